"""Content sniffing and zip safety (no database)."""

import io
import zipfile

import pytest

from edudx.content import files
from edudx.core.errors import DomainError

from .conftest import zip_bytes

HTML = b"<!doctype html><title>Sim</title><script src='app.js'></script>"


def check(data: bytes, resource_type="simulation"):
    return files.check_upload(io.BytesIO(data), size=len(data), resource_type=resource_type)


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0..JFIF", "image/jpeg"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"\x00\x00\x00\x18ftypmp42", "video/mp4"),
        (b"\x00\x00\x00\x18ftypM4A ", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f", "video/webm"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"ID3\x03\x00", "audio/mpeg"),
        (b"MZ\x90\x00", None),
        (b"<html><script>", None),
    ],
)
def test_sniff(head, mime):
    assert files.sniff(head) == mime


def test_office_and_epub_containers_are_told_apart():
    docx = zip_bytes({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
    epub = zip_bytes({"mimetype": b"application/epub+zip", "OEBPS/a.xhtml": b"<x/>"})
    assert files.sniff(docx[:64], io.BytesIO(docx)) == files.DOCX
    assert files.sniff(epub[:64], io.BytesIO(epub)) == files.EPUB
    assert check(docx, "document").mime == files.DOCX
    with pytest.raises(DomainError):
        check(docx, "simulation")  # a docx is not a simulation package


def test_simulation_entry_page():
    assert check(zip_bytes({"sim/index.html": HTML, "index.html": HTML})).entry_page == "index.html"
    assert check(zip_bytes({"b/c/x.html": HTML, "a/start.html": HTML})).entry_page == "a/start.html"
    with pytest.raises(DomainError) as exc:
        check(zip_bytes({"app.js": b"1"}))
    assert exc.value.code == "content.upload.zip_entry"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil.html", "content.upload.zip_path"),
        ("a/../../evil.html", "content.upload.zip_path"),
        ("/etc/cron.d/x", "content.upload.zip_path"),
        ("C:/Windows/x.html", "content.upload.zip_path"),
        ("a\\..\\x.html", "content.upload.zip_path"),
    ],
)
def test_paths_escaping_the_package(name, code):
    with pytest.raises(DomainError) as exc:
        check(zip_bytes({"index.html": HTML, name: b"x"}))
    assert exc.value.code == code
    assert exc.value.field == "file"


def test_symlink():
    with pytest.raises(DomainError) as exc:
        check(zip_bytes({"index.html": HTML}, symlink="link"))
    assert exc.value.code == "content.upload.zip_symlink"


def test_bomb_by_ratio():
    # 20 MB of zeros compress to ~20 KB: ratio ~1000.
    with pytest.raises(DomainError) as exc:
        check(zip_bytes({"index.html": HTML, "zeros.bin": bytes(20 * files.MB)}))
    assert exc.value.code == "content.upload.zip_bomb"


def test_bomb_by_total_size(monkeypatch):
    monkeypatch.setattr(files, "ZIP_MAX_TOTAL", 1000)
    data = zip_bytes({"index.html": HTML, "a.txt": bytes(range(256)) * 4})
    with pytest.raises(DomainError) as exc:
        check(data)
    assert exc.value.code == "content.upload.zip_bomb"


def test_too_many_entries(monkeypatch):
    monkeypatch.setattr(files, "ZIP_MAX_ENTRIES", 3)
    data = zip_bytes({"index.html": HTML, **{f"{i}.js": b"1" for i in range(3)}})
    with pytest.raises(DomainError) as exc:
        check(data)
    assert exc.value.code == "content.upload.zip_entries"


def test_broken_zip():
    with pytest.raises(DomainError) as exc:
        check(b"PK\x03\x04" + b"\x00" * 40)
    assert exc.value.code == "content.upload.zip_broken"


def test_encrypted_entry():
    data = bytearray(zip_bytes({"index.html": HTML}))
    # Set the "encrypted" general-purpose flag in the central directory entry.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 8] |= 0x1
    with pytest.raises(DomainError) as exc:
        check(bytes(data))
    assert exc.value.code == "content.upload.zip_encrypted"


def test_member_paths_and_bounded_read():
    data = zip_bytes({"index.html": HTML, "js/app.js": b"console.log(1)"})
    assert files.zip_member("js/./app.js") == "js/app.js"
    assert files.zip_member("../index.html") is None
    assert files.zip_member("/index.html") is None
    assert files.zip_read(io.BytesIO(data), "js/app.js") == b"console.log(1)"
    assert files.zip_read(io.BytesIO(data), "missing.js") is None
    assert files.serve_type("js/app.js") == "text/javascript"


def test_zip_declaring_a_smaller_size_is_not_read_past_it():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("index.html", HTML)
    raw = bytearray(buf.getvalue())
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24 : cd + 28] = (5).to_bytes(4, "little")  # central directory: size 5
    assert files.zip_read(io.BytesIO(bytes(raw)), "index.html") is None
