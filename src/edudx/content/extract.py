"""Text of uploaded PDF resources, for search (pypdf: pure Python, no system package).

Bounded, because an upload is untrusted and extraction runs in the upload request: at most
MAX_PAGES pages and MAX_CHARS characters, and no new page is started after TIME_BUDGET
seconds. A PDF that cannot be read (broken, encrypted with a password, no text layer) is
still saved; the resource then carries a Vietnamese note saying its file's text is not
searchable."""

import logging
import time
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

MAX_PAGES = 50
MAX_CHARS = 100_000
TIME_BUDGET = 5.0  # seconds


@dataclass
class Extracted:
    text: str = ""
    error: str = ""  # why no text was read (Vietnamese), empty when it was


def pdf_text(file) -> Extracted:
    """The text of a PDF (a seekable binary file), NFC, whitespace collapsed."""
    from pypdf import PdfReader  # noqa: PLC0415 — only uploads need it
    from pypdf.errors import PdfReadError  # noqa: PLC0415

    start = time.monotonic()
    try:
        file.seek(0)
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return Extracted(error=_("Tệp PDF có mật khẩu: không đọc được chữ trong tệp."))
        parts, size = [], 0
        for i, page in enumerate(reader.pages):
            if i >= MAX_PAGES or size >= MAX_CHARS or time.monotonic() - start > TIME_BUDGET:
                break
            text = " ".join((page.extract_text() or "").split())
            parts.append(text)
            size += len(text) + 1
    except (PdfReadError, ValueError, TypeError, KeyError, OSError, RecursionError) as exc:
        log.info("content.pdf_text.failed", extra={"error": repr(exc)[:200]})
        return Extracted(error=_("Tệp PDF bị hỏng: không đọc được chữ trong tệp."))
    except Exception as exc:  # noqa: BLE001 — a library bug must not lose the upload
        log.warning("content.pdf_text.failed", extra={"error": repr(exc)[:200]})
        return Extracted(error=_("Không đọc được chữ trong tệp PDF."))
    finally:
        file.seek(0)
    text = unicodedata.normalize("NFC", " ".join(p for p in parts if p))[:MAX_CHARS]
    if not text:
        return Extracted(error=_("Tệp PDF không có lớp chữ (ảnh quét?): nội dung không tìm được."))
    return Extracted(text=text)
