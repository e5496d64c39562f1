"""What a file is, read from its bytes (magic numbers) — never from its name or the
client's Content-Type. Shared by every upload: learning resources, dossier attachments,
report evidence. Each caller decides which of these types it accepts."""

import zipfile
from typing import BinaryIO

PDF = "application/pdf"
PNG, JPEG, GIF, WEBP = "image/png", "image/jpeg", "image/gif", "image/webp"
MP4, WEBM = "video/mp4", "video/webm"
MP3, OGG, WAV, M4A = "audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EPUB = "application/epub+zip"


def sniff(head: bytes, f: BinaryIO | None = None) -> str | None:
    """The MIME type of a file from its first bytes (`f` lets zip containers be told
    apart); None when we do not recognise it."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        return M4A if head[8:12] in (b"M4A ", b"M4B ") else MP4
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return MP3
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(f) if f is not None else ZIP
    return None


def _zip_kind(f: BinaryIO) -> str:
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as z:
            names = set(z.namelist())
            if "mimetype" in names and z.getinfo("mimetype").file_size < 100:
                if z.read("mimetype").strip() == EPUB.encode():
                    return EPUB
            if "[Content_Types].xml" in names:
                tops = {n.split("/", 1)[0] for n in names}
                for top, kind in (("word", DOCX), ("ppt", PPTX), ("xl", XLSX)):
                    if top in tops:
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        pass
    finally:
        f.seek(0)
    return ZIP
