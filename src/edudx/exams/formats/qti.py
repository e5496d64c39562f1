"""QTI 2.1 items from an IMS content package (a zip with imsmanifest.xml).

Each resource of type imsqti_item_xmlv2p1 is read (hardened XML, see moodle_xml.safe_xml):
- choiceInteraction → single (maxChoices 1) or multiple choice; the key from
  responseDeclaration/correctResponse (a <mapping> gives partial weights);
- textEntryInteraction → short answer (one) or cloze (several, inline in the text), the
  key from correctResponse or mapping; baseType float/integer makes it numeric;
- extendedTextInteraction → essay.
Any other interaction is reported by name; images (<img src> relative to the item) are
taken from the package. The zip is checked before reading (size, entry count, paths)."""

import posixpath
import re
import zipfile
from decimal import Decimal
from io import BytesIO
from xml.etree.ElementTree import Element

from django.utils.translation import gettext as _

from . import FormatError, ParsedQuestion, ParseResult, Unsupported, mime_of, tidy_fraction
from .moodle_xml import safe_xml

MAX_ENTRIES = 2000
MAX_UNPACKED = 100 * 1024 * 1024
SUPPORTED = {"choiceInteraction", "textEntryInteraction", "extendedTextInteraction"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _iter(el: Element, name: str):
    return (e for e in el.iter() if _local(e.tag) == name)


def _first(el: Element, name: str) -> Element | None:
    return next(_iter(el, name), None)


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        z = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise FormatError(
            "exams.import.zip", _("Tệp không phải gói nội dung (zip) hợp lệ."), field="file"
        ) from None
    infos = z.infolist()
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNPACKED:
        raise FormatError("exams.import.zip", _("Gói nội dung quá lớn khi giải nén."), field="file")
    return z


def _read(z: zipfile.ZipFile, path: str) -> bytes | None:
    path = posixpath.normpath(path)
    if path.startswith(("../", "/")):
        return None
    try:
        return z.read(path)
    except KeyError:
        return None


def _text_of(el: Element, z, base: str, result: ParseResult, blanks: list | None = None) -> str:
    """The item body as our text: paragraphs → newlines, images → assets, text entries →
    {{n}} blanks (when `blanks` collects them)."""
    parts: list[str] = []

    def walk(e: Element):
        tag = _local(e.tag)
        skip = ("choiceInteraction", "extendedTextInteraction", "prompt", "simpleChoice")
        if tag in skip and e is not el:
            return
        if tag == "textEntryInteraction" and blanks is not None:
            blanks.append(e.get("responseIdentifier") or str(len(blanks) + 1))
            parts.append(f"{{{{{len(blanks)}}}}}")
        elif tag == "img":
            src = e.get("src") or ""
            blob = _read(z, posixpath.join(base, src))
            if blob is not None:
                sha = result.add_asset(posixpath.basename(src), mime_of(src), blob)
                parts.append(f"![{(e.get('alt') or '').replace(']', '')}](asset:{sha})")
        elif tag == "br":
            parts.append("\n")
        elif e.text:
            parts.append(e.text)
        for child in e:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in ("p", "div") and parts and not parts[-1].endswith("\n"):
            parts.append("\n")

    walk(el)
    text = "".join(parts)
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()


def _key(item: Element, ident: str) -> tuple[list[str], dict[str, float], str]:
    decl = next(
        (d for d in _iter(item, "responseDeclaration") if d.get("identifier") == ident), None
    )
    if decl is None:
        return [], {}, "identifier"
    values = [(v.text or "").strip() for v in _iter(decl, "value") if _local(v.tag) == "value"]
    correct = _first(decl, "correctResponse")
    right = [(v.text or "").strip() for v in _iter(correct, "value")] if correct is not None else []
    mapping = {
        m.get("mapKey", ""): float(m.get("mappedValue") or 0) for m in _iter(decl, "mapEntry")
    }
    del values
    return right, mapping, decl.get("baseType") or "identifier"


def _item(item: Element, row: int, z, base: str, result: ParseResult) -> ParsedQuestion | None:
    name = item.get("title") or item.get("identifier") or f"item {row}"
    body = _first(item, "itemBody")
    if body is None:
        raise FormatError(
            "exams.import.syntax",
            _("Câu %(n)s (%(name)s): thiếu itemBody.") % {"n": row, "name": name},
            field="file",
            row=row,
        )
    kinds = {_local(e.tag) for e in body.iter() if _local(e.tag).endswith("Interaction")}
    other = kinds - SUPPORTED
    if other or not kinds:
        result.unsupported.append(
            Unsupported(row=row, name=name, qtype=", ".join(sorted(other)) or "no interaction")
        )
        return None
    if "choiceInteraction" in kinds:
        ci = _first(body, "choiceInteraction")
        ident = ci.get("responseIdentifier") or "RESPONSE"
        right, mapping, _bt = _key(item, ident)
        prompt = _first(ci, "prompt")
        stem = _text_of(body, z, base, result)
        if prompt is not None:
            stem = (stem + "\n" + _text_of(prompt, z, base, result)).strip()
        choices = list(_iter(ci, "simpleChoice"))
        multiple = (ci.get("maxChoices") or "1") != "1"
        total = sum(v for v in mapping.values() if v > 0) or 1
        options = []
        for i, c in enumerate(choices):
            cid = c.get("identifier") or str(i)
            if mapping and multiple:
                fraction = tidy_fraction(mapping.get(cid, 0) / total)
            elif multiple:
                fraction = tidy_fraction(1 / len(right)) if cid in right else 0
            else:
                fraction = 1 if cid in right else 0
            options.append(
                {
                    "id": chr(97 + i),
                    "text": _text_of(c, z, base, result),
                    "fraction": int(fraction) if float(fraction).is_integer() else fraction,
                }
            )
        return ParsedQuestion(
            row=row,
            kind="multiple" if multiple else "single",
            stem=stem,
            data={"options": options},
            name=name,
        )
    if "textEntryInteraction" in kinds:
        idents: list[str] = []
        stem = _text_of(body, z, base, result, blanks=idents)
        blanks = []
        for n, ident in enumerate(idents, start=1):
            right, mapping, base_type = _key(item, ident)
            texts = right or [k for k, v in mapping.items() if v > 0]
            numeric = base_type in ("float", "integer")
            if numeric:
                answers = [
                    {"value": format(Decimal(t).normalize(), "f"), "tolerance": "0", "fraction": 1}
                    for t in texts
                ]
            else:
                answers = [{"text": t, "fraction": 1} for t in texts]
            blanks.append(
                {"id": str(n), "mode": "numeric" if numeric else "text", "answers": answers}
            )
        if len(blanks) == 1:
            stem = stem.replace("{{1}}", "_____")
            b = blanks[0]
            return ParsedQuestion(
                row=row,
                kind="short",
                stem=stem,
                data={"mode": b["mode"], "answers": b["answers"]},
                name=name,
            )
        return ParsedQuestion(row=row, kind="cloze", stem=stem, data={"blanks": blanks}, name=name)
    et = _first(body, "extendedTextInteraction")
    stem = _text_of(body, z, base, result)
    prompt = _first(et, "prompt")
    if prompt is not None:
        stem = (stem + "\n" + _text_of(prompt, z, base, result)).strip()
    return ParsedQuestion(row=row, kind="essay", stem=stem, data={}, name=name)


def parse(data: bytes) -> ParseResult:
    z = _open(data)
    manifest = _read(z, "imsmanifest.xml")
    if manifest is None:
        raise FormatError(
            "exams.import.manifest", _("Gói nội dung thiếu tệp imsmanifest.xml."), field="file"
        )
    root = safe_xml(manifest)
    result = ParseResult()
    row = 0
    for res in _iter(root, "resource"):
        rtype = res.get("type") or ""
        if not re.match(r"imsqti_item_xmlv2p[0-9]", rtype):
            continue
        row += 1
        href = res.get("href") or ""
        blob = _read(z, href)
        if blob is None:
            raise FormatError(
                "exams.import.manifest",
                _("Gói nội dung thiếu tệp %s được khai báo trong imsmanifest.xml.") % href,
                field="file",
                row=row,
            )
        try:
            item = safe_xml(blob)
        except FormatError as exc:
            exc.item.message = f"{href}: {exc.item.message}"
            raise
        parsed = _item(item, row, z, posixpath.dirname(href), result)
        if parsed is not None:
            result.questions.append(parsed)
    return result
