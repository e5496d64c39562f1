"""What an uploaded file really is, and whether a zip package is safe. No database access.

The type is read from the bytes (magic numbers), never from the client's Content-Type or
file name; a resource type accepts only some kinds of bytes (`ALLOWED`). A zip package
(HTML5 simulation, and the containers docx/pptx/xlsx/epub) is refused when an entry path is
absolute or escapes the package (`..`), is a symlink, is encrypted, when there are too
many entries, or when the declared uncompressed size or compression ratio is that of a zip
bomb. Entries are later read one at a time with a bounded read (`zip_read`), so even a zip
whose headers lie about sizes cannot fill memory or disk."""

import os
import posixpath
import stat
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from edudx.core.errors import DomainError
from edudx.core.filetypes import (  # noqa: F401 — re-exported for content's callers
    DOCX,
    EPUB,
    GIF,
    JPEG,
    M4A,
    MP3,
    MP4,
    OGG,
    PDF,
    PNG,
    PPTX,
    WAV,
    WEBM,
    WEBP,
    XLSX,
    ZIP,
    sniff,
)

MB = 1024 * 1024
MAX_UPLOAD_BYTES = int(os.environ.get("EDUDX_CONTENT_MAX_UPLOAD_MB", "200")) * MB
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_TOTAL = 300 * MB  # declared uncompressed bytes of all entries
ZIP_MAX_RATIO = 100  # uncompressed / compressed, per entry (over 1 MB) and overall


EXTENSIONS = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    GIF: "gif",
    WEBP: "webp",
    MP4: "mp4",
    WEBM: "webm",
    MP3: "mp3",
    OGG: "ogg",
    WAV: "wav",
    M4A: "m4a",
    ZIP: "zip",
    DOCX: "docx",
    PPTX: "pptx",
    XLSX: "xlsx",
    EPUB: "epub",
}
IMAGES = {PNG, JPEG, GIF, WEBP}
AUDIO = {MP3, OGG, WAV, M4A}
VIDEO = {MP4, WEBM}
OFFICE = {DOCX, PPTX, XLSX}

# Resource type → the kinds of bytes it accepts (None: no file at all).
ALLOWED: dict[str, set[str]] = {
    "electure": {PDF, PPTX, MP4, WEBM},
    "video": VIDEO,
    "audio": AUDIO,
    "document": {PDF, DOCX, PPTX, XLSX} | IMAGES,
    "etextbook": {PDF, EPUB},
    "simulation": {ZIP},
    "question_set": {PDF, DOCX},
    "link": set(),
}


def bad_upload(code: str, message) -> DomainError:
    return DomainError(f"content.upload.{code}", message, field="file")


@dataclass(frozen=True)
class Checked:
    mime: str
    size: int
    entry_page: str = ""


def check_upload(f: BinaryIO, *, size: int, resource_type: str) -> Checked:
    """Check an upload for a resource type: size limit, sniffed type, zip safety."""
    if size <= 0:
        raise bad_upload("empty", _("Tệp rỗng."))
    if size > MAX_UPLOAD_BYTES:
        raise bad_upload(
            "too_large",
            _("Tệp lớn %(n)s MB, vượt giới hạn %(max)s MB.")
            % {"n": round(size / MB, 1), "max": MAX_UPLOAD_BYTES // MB},
        )
    f.seek(0)
    head = f.read(64)
    f.seek(0)
    mime = sniff(head, f)
    allowed = ALLOWED.get(resource_type, set())
    if mime is None or mime not in allowed:
        names = ", ".join(sorted({EXTENSIONS[m] for m in allowed})) or "—"
        raise bad_upload(
            "type",
            _(
                "Nội dung tệp không khớp với loại học liệu đã chọn "
                "(nhận diện: %(got)s; chấp nhận: %(ok)s)."
            )
            % {"got": EXTENSIONS.get(mime, _("không xác định")), "ok": names},
        )
    entry = ""
    if mime in (ZIP, EPUB) or mime in OFFICE:
        names = zip_check(f)
        if resource_type == "simulation":
            entry = entry_page(names)
    return Checked(mime=mime, size=size, entry_page=entry)


def _unsafe_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name:
        return True
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return True
    return any(part == ".." for part in name.split("/"))


def zip_check(f: BinaryIO) -> list[str]:
    """The entry names of a safe zip; DomainError naming the first problem otherwise."""
    f.seek(0)
    try:
        z = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise bad_upload("zip_broken", _("Tệp nén bị hỏng hoặc không phải tệp zip.")) from None
    with z:
        infos = z.infolist()
        if len(infos) > ZIP_MAX_ENTRIES:
            raise bad_upload(
                "zip_entries",
                _("Tệp nén có %(n)s mục, vượt giới hạn %(max)s.")
                % {"n": len(infos), "max": ZIP_MAX_ENTRIES},
            )
        total = compressed = 0
        for info in infos:
            name = info.filename
            if _unsafe_name(name):
                raise bad_upload(
                    "zip_path",
                    _(
                        "Đường dẫn “%(p)s” trong tệp nén không an toàn "
                        "(tuyệt đối hoặc ra ngoài thư mục)."
                    )
                    % {"p": name[:200]},
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise bad_upload(
                    "zip_symlink",
                    _("Tệp nén chứa liên kết tượng trưng “%(p)s”.") % {"p": name[:200]},
                )
            if info.flag_bits & 0x1:
                raise bad_upload("zip_encrypted", _("Tệp nén có mục được mã hoá."))
            total += info.file_size
            compressed += info.compress_size
            if info.file_size > MB and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
                raise bad_upload(
                    "zip_bomb",
                    _("Mục “%(p)s” có tỉ lệ nén bất thường (nghi zip bomb).") % {"p": name[:200]},
                )
        if total > ZIP_MAX_TOTAL or (total > MB and total > ZIP_MAX_RATIO * max(compressed, 1)):
            raise bad_upload(
                "zip_bomb",
                _(
                    "Dung lượng giải nén (%(n)s MB) vượt giới hạn %(max)s MB "
                    "hoặc tỉ lệ nén bất thường."
                )
                % {"n": round(total / MB, 1), "max": ZIP_MAX_TOTAL // MB},
            )
        names = [i.filename for i in infos if not i.is_dir()]
    f.seek(0)
    return names


def entry_page(names: list[str]) -> str:
    """The page a simulation package opens on: index.html at the top, or the shallowest
    .html file."""
    pages = [n for n in names if n.lower().endswith((".html", ".htm"))]
    if not pages:
        raise bad_upload("zip_entry", _("Gói mô phỏng phải có trang khởi đầu (index.html)."))
    for n in pages:
        if n.lower() in ("index.html", "index.htm"):
            return n
    return sorted(pages, key=lambda n: (n.count("/"), n))[0]


def zip_member(name: str) -> str | None:
    """A requested path inside a package, normalised; None if it tries to escape."""
    clean = posixpath.normpath(name or "")
    if clean in (".", "") or _unsafe_name(clean):
        return None
    return clean


def zip_read(f: BinaryIO, name: str) -> bytes | None:
    """One entry of a checked zip, read with a bound (its declared size), or None."""
    with zipfile.ZipFile(f) as z:
        try:
            info = z.getinfo(name)
        except KeyError:
            return None
        if info.is_dir() or info.file_size > ZIP_MAX_TOTAL:
            return None
        try:
            with z.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError):  # CRC or header mismatch
            return None
        return data if len(data) == info.file_size else None


SERVE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".gif": GIF,
    ".svg": "image/svg+xml",
    ".webp": WEBP,
    ".mp3": MP3,
    ".mp4": MP4,
    ".ogg": OGG,
    ".wav": WAV,
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}


def serve_type(name: str) -> str:
    return SERVE_TYPES.get(posixpath.splitext(name)[1].lower(), "application/octet-stream")
