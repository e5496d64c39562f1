"""A table as a download: .csv (UTF-8 with a BOM, which Excel needs) or .xlsx (one sheet
per table). Shared by the report and dashboard exports."""

import csv
import io

from django.http import Http404, HttpResponse
from openpyxl import Workbook

from .filetypes import XLSX

Sheet = tuple[str, list, list]  # (title, header row, rows)


def table_download(fmt: str, name: str, sheets: list[Sheet]) -> HttpResponse:
    """`name`.csv (the first sheet) or `name`.xlsx (every sheet); 404 for another format."""
    if fmt == "csv":
        _title, head, rows = sheets[0]
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 CSV with a BOM correctly
        writer = csv.writer(buf)
        writer.writerow(head)
        writer.writerows(rows)
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        wb = Workbook()
        for i, (title, head, rows) in enumerate(sheets):
            ws = wb.active if i == 0 else wb.create_sheet()
            ws.title = title[:31]
            ws.append(head)
            for r in rows:
                ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
