"""Vietnamese PDF documents the platform issues (transcripts, public-service results).

ReportLab lays the page out with Be Vietnam Pro, a TrueType family drawn for Vietnamese and
shipped on PyPI (`fontpkg-be-vietnam-pro`), so nothing is downloaded and every precomposed
Vietnamese letter (ắ, ễ, ữ, ỵ…) has its own glyph: ReportLab does no mark positioning, so
text is normalised to NFC before it is drawn. The subset fonts carry a ToUnicode map, so
`pdftotext` and pypdf give the same NFC text back.

`render_document` returns the PDF and, for each signature slot, the rectangle that
`core.signing.sign_pdf` turns into the (visible) signature field: the document draws the
signer's title and name, the signature field lies over the space between them.
"""

import io
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

REGULAR = "EduDX-Regular"
BOLD = "EduDX-Bold"
ITALIC = "EduDX-Italic"

# Decree 30/2020/NĐ-CP, Appendix I: the national motto heads every administrative document.
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Debian's fonts-dejavu-core: the fallback when the font package is missing.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _font_files() -> dict[str, Path]:
    """EDUDX_PDF_FONT_REGULAR/BOLD/ITALIC (TrueType paths) override the packaged family."""
    files: dict[str, Path] = {}
    try:
        root = resources.files("fontpkg_be_vietnam_pro") / "files"
        files = {
            REGULAR: Path(str(root / "BeVietnamPro-Regular.ttf")),
            BOLD: Path(str(root / "BeVietnamPro-Bold.ttf")),
            ITALIC: Path(str(root / "BeVietnamPro-Italic.ttf")),
        }
    except ModuleNotFoundError:
        files = {
            REGULAR: _DEJAVU / "DejaVuSans.ttf",
            BOLD: _DEJAVU / "DejaVuSans-Bold.ttf",
            ITALIC: _DEJAVU / "DejaVuSans-Oblique.ttf",
        }
    for name, var in ((REGULAR, "REGULAR"), (BOLD, "BOLD"), (ITALIC, "ITALIC")):
        if path := os.environ.get(f"EDUDX_PDF_FONT_{var}"):
            files[name] = Path(path)
    return files


@cache
def fonts_register() -> dict[str, Path]:
    """Register the three faces once per process (parsing a TTF costs milliseconds)."""
    files = _font_files()
    for name, path in files.items():
        if not path.is_file():
            raise RuntimeError(f"PDF font missing: {path} (install fontpkg-be-vietnam-pro)")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC)
    return files


@dataclass(frozen=True)
class SignatureSlot:
    """Where one signer signs: `title` above ("GIÁO VIÊN CHỦ NHIỆM"), `name` below."""

    field_name: str
    title: str
    name: str = ""


@dataclass(frozen=True)
class SignatureBox:
    """A signature field's place: 0-based page index and (x1, y1, x2, y2) in PDF points."""

    page: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class DocumentSpec:
    title: str
    issuer_lines: Sequence[str] = ()  # top left: parent agency, then the issuing unit
    place_date: str = ""  # "Đắk Song, ngày 31 tháng 5 năm 2025"
    subtitle_lines: Sequence[str] = ()
    paragraphs: Sequence[str] = ()
    table: Sequence[Sequence[str]] = ()  # first row is the header
    col_widths: Sequence[float] | None = None  # fractions of the text width
    signatures: Sequence[SignatureSlot] = ()
    reference: str = ""  # the document's code, printed and stored as the PDF subject
    verify_url: str = ""  # printed as a QR code for the public verification page
    author: str = "EduDX"


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    signature_boxes: dict[str, SignatureBox] = field(default_factory=dict)


class _SignatureSpace(Flowable):
    """Empty space in a signature slot that records where it landed on the page."""

    def __init__(self, field_name: str, width: float, height: float, sink: dict):
        super().__init__()
        self.field_name = field_name
        self.width = width
        self.height = height
        self._sink = sink

    def wrap(self, avail_width, avail_height):
        return min(self.width, avail_width), self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self._sink[self.field_name] = SignatureBox(
            page=self.canv.getPageNumber() - 1,
            box=(int(x), int(y), int(x + self.width), int(y + self.height)),
        )


class _QRCode(Flowable):
    """A QR code drawn as vector rectangles (one per horizontal run of dark modules)."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.data = data
        self.width = self.height = size

    def wrap(self, avail_width, avail_height):
        return self.width, self.height

    def draw(self):
        qr = qrcode.QRCode(
            border=0, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0
        )
        qr.add_data(self.data)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        n = len(matrix)
        cell = self.width / n
        c = self.canv
        c.setFillColor(colors.black)
        path = c.beginPath()
        for row, bits in enumerate(matrix):
            y = self.height - (row + 1) * cell
            col = 0
            while col < n:
                if bits[col]:
                    start = col
                    while col < n and bits[col]:
                        col += 1
                    path.rect(start * cell, y, (col - start) * cell, cell)
                else:
                    col += 1
        c.drawPath(path, stroke=0, fill=1)


@cache
def _styles() -> dict[str, ParagraphStyle]:
    fonts_register()
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=11, leading=15)
    return {
        "body": base,
        "center": ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        "center_bold": ParagraphStyle(
            "center_bold", parent=base, fontName=BOLD, alignment=TA_CENTER
        ),
        "right_italic": ParagraphStyle("ri", parent=base, fontName=ITALIC, alignment=TA_RIGHT),
        "center_italic": ParagraphStyle("ci", parent=base, fontName=ITALIC, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=15, leading=20, alignment=TA_CENTER
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=10, leading=13),
        "cell_head": ParagraphStyle(
            "cell_head", parent=base, fontName=BOLD, fontSize=10, leading=13
        ),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, alignment=TA_LEFT),
    }


def _p(text: str, style: str) -> Paragraph:
    # Paragraph parses a tiny XML markup: escape the caller's text.
    safe = nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe, _styles()[style])


def render_document(spec: DocumentSpec) -> RenderedPdf:
    """One A4 document: heading, title, paragraphs, a table, signature slots, QR code."""
    fonts_register()
    buf = io.BytesIO()
    margin = 18 * mm
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=nfc(spec.title),
        author=nfc(spec.author),
        subject=nfc(spec.reference),
        creator="EduDX",
        invariant=False,
    )
    width = doc.width
    story: list = []

    left = [_p(line, "center_bold" if i else "center") for i, line in enumerate(spec.issuer_lines)]
    right = [_p(NATIONAL_NAME, "center_bold"), _p(NATIONAL_MOTTO, "center_bold")]
    head = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    head.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    story.append(head)
    if spec.place_date:
        story += [Spacer(1, 4 * mm), _p(spec.place_date, "right_italic")]
    story += [Spacer(1, 6 * mm), _p(spec.title, "title")]
    story += [_p(line, "center") for line in spec.subtitle_lines]
    story.append(Spacer(1, 4 * mm))
    for text in spec.paragraphs:
        story += [_p(text, "body"), Spacer(1, 1.5 * mm)]

    if spec.table:
        fractions = spec.col_widths or [1 / len(spec.table[0])] * len(spec.table[0])
        rows = [
            [_p(cell, "cell_head" if r == 0 else "cell") for cell in row]
            for r, row in enumerate(spec.table)
        ]
        table = Table(rows, colWidths=[width * f for f in fractions], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [Spacer(1, 2 * mm), table]

    boxes: dict[str, SignatureBox] = {}
    if spec.signatures:
        n = len(spec.signatures)
        col = width / n
        cells = [
            [
                _p(slot.title, "center_bold"),
                _p("(Ký số)", "center_italic"),
                _SignatureSpace(slot.field_name, col - 12, 22 * mm, boxes),
                _p(slot.name, "center_bold"),
            ]
            for slot in spec.signatures
        ]
        sig_table = Table([cells], colWidths=[col] * n)
        sig_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [Spacer(1, 6 * mm), KeepTogether(sig_table)]

    if spec.verify_url or spec.reference:
        lines = []
        if spec.reference:
            lines.append(_p(f"Số hiệu văn bản: {spec.reference}", "small"))
        if spec.verify_url:
            lines.append(_p(f"Kiểm tra tính xác thực tại: {spec.verify_url}", "small"))
        qr = _QRCode(spec.verify_url, 24 * mm) if spec.verify_url else Spacer(1, 1)
        foot = Table([[qr, lines]], colWidths=[28 * mm, width - 28 * mm])
        foot.setStyle(
            TableStyle(
                [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]
            )
        )
        story += [Spacer(1, 6 * mm), KeepTogether(foot)]

    doc.build(story)
    return RenderedPdf(data=buf.getvalue(), signature_boxes=boxes)


# --- an organisation's seal --------------------------------------------------------------------

SEAL_RED = colors.Color(0.8, 0.07, 0.07)


def seal_box(signer_box: SignatureBox) -> SignatureBox:
    """Where an organisation's signature goes over a signer's slot: a box as high as the
    slot whose seal (its left square) covers the left third of the middle of the slot, where
    the signer's own signature sits (Decree 30/2020, Appendix I: the seal covers about a
    third of the signature, on its left)."""
    x1, y1, x2, y2 = signer_box.box
    height = y2 - y1
    left = max(x1, (x1 + x2) // 2 - height)  # the seal's right edge a third into the signature
    return SignatureBox(page=signer_box.page, box=(left, y1, min(x2, left + 3 * height), y2))


def seal_appearance(name: str, lines: Sequence[str], width: float, height: float) -> bytes:
    """A one-page PDF of `width` × `height` points: a red round seal with `name` around its
    ring and a star in the middle, and `lines` in red beside it (who signed, when). What an
    organisation's digital signature shows (Decree 30/2020, Appendix I: the seal's image in
    red)."""
    fonts_register()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(width, height))
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    r = height / 2 - 1
    cx, cy = r + 1, height / 2
    c.setLineWidth(1.4)
    c.circle(cx, cy, r)
    c.setLineWidth(0.6)
    c.circle(cx, cy, r * 0.62)
    _star(c, cx, cy, r * 0.3)
    # The name around the ring, reading clockwise from the left, centred on the top.
    text = nfc(name.upper())
    size = min(6.5, max(3.5, 2 * math.pi * r * 0.8 / max(1, len(text)) * 1.6))
    c.setFont(BOLD, size)
    radius = r * 0.8 - size / 3
    step = min(360 * 0.92 / max(1, len(text)), 18)
    start = 90 + step * (len(text) - 1) / 2
    for i, ch in enumerate(text):
        angle = math.radians(start - i * step)
        c.saveState()
        c.translate(cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        c.rotate(math.degrees(angle) - 90)
        c.drawCentredString(0, 0, ch)
        c.restoreState()
    # Beside the seal: who and when.
    x, y = height + 3, height - 10
    c.setFont(REGULAR, 7)
    for line in lines:
        for part in simpleSplit(nfc(line), REGULAR, 7, width - x - 1):
            c.drawString(x, y, part)
            y -= 9
    c.showPage()
    c.save()
    return buf.getvalue()


def _star(c, cx: float, cy: float, r: float) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.4
        angle = math.radians(90 + i * 36)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    path = c.beginPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
