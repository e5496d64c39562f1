"""IMS Common Cartridge 1.3 export and import of a lesson or a whole online class (course):
each lesson's text as a web page, its repository files as web content, its external links
as IMS web links.

Export writes `imsmanifest.xml` (schema "IMS Common Cartridge" 1.3.0) with one rooted
organisation: under the root, an item per lesson, and under it the lesson's page then an
item per part. A lesson package keeps its files at the top (`lesson.html`,
`resources/<n>/<name>`, `weblinks/<n>.xml`); a course package puts the n-th lesson's under
`lessons/<n>/`. Metadata (title, licence, language, author) travel as LOM in the manifest
and are read back on import.

Import reads either kind (and other platforms' cartridges: each child of the root item is a
lesson, a module's nested items its parts). It is defensive: the zip passes
`content.files.zip_check` (no absolute or escaping paths, symlinks, bombs), entries are
read with a bound, and XML is parsed with defusedxml (no entities, no external
references); the whole package is read and checked before anything is written, and then
written in one transaction. Each file or link becomes a new repository resource of the
class's subject and grade (status `submitted`: it goes through moderation like any
upload), attached to its lesson."""

import html
import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree as SafeET
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from edudx.content import files as content_files
from edudx.content import services as content_services
from edudx.content.models import Licence, ResourceStatus, ResourceType
from edudx.core.errors import DomainError

from . import services
from .models import Lesson, OnlineClass

CP = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
LOM_MANIFEST = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
WL = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3"
MAX_ENTRY = 50 * content_files.MB


def _bad(message) -> DomainError:
    return DomainError("learning.cartridge", message, field="file")


def _lom(title: str, r=None) -> str:
    extra = ""
    if r is not None:
        extra = (
            f"<lom:general><lom:language>{escape(r.language)}</lom:language></lom:general>"
            f"<lom:lifeCycle><lom:contribute><lom:entity>{escape(r.author)}</lom:entity>"
            "</lom:contribute></lom:lifeCycle>"
            f"<lom:rights><lom:description><lom:string>{escape(r.licence)}</lom:string>"
            "</lom:description></lom:rights>"
        )
    return (
        f'<metadata><lom:lom xmlns:lom="{LOM}"><lom:general><lom:title><lom:string>'
        f"{escape(title)}</lom:string></lom:title></lom:general>{extra}</lom:lom></metadata>"
    )


def _lesson_entries(z: zipfile.ZipFile, lesson: Lesson, resources, n: int) -> tuple[str, list]:
    """Write one lesson's page and files into the package; its organisation item (the
    lesson, then an item per part) and its resource elements. In a course the n-th lesson's
    files are under `lessons/<n>/` and its identifiers start `l<n>_`; a lesson package
    (n = 0) keeps them at the top."""
    k, folder = (f"l{n}_", f"lessons/{n}/") if n else ("", "")
    page_href = f"{folder}lesson.html"
    z.writestr(
        page_href,
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{escape(lesson.title)}</title></head><body><h1>{escape(lesson.title)}</h1>"
        f"<div class='text'>{escape(lesson.text)}</div></body></html>",
    )
    items = [
        f'<item identifier="{k}i_lesson" identifierref="{k}r_lesson">'
        f"<title>{escape(lesson.title)}</title></item>"
    ]
    elements = [
        f'<resource identifier="{k}r_lesson" type="webcontent" href="{page_href}">'
        f'<file href="{page_href}"/></resource>'
    ]
    for n, r in enumerate(resources, start=1):
        ident = f"{k}r{n}"
        items.append(
            f'<item identifier="{k}i{n}" identifierref="{ident}">'
            f"<title>{escape(r.title)}</title></item>"
        )
        if r.external_url:
            href = f"{folder}weblinks/{n}.xml"
            z.writestr(
                href,
                f'<?xml version="1.0" encoding="UTF-8"?><webLink xmlns="{WL}">'
                f"<title>{escape(r.title)}</title><url href={quoteattr(r.external_url)} "
                'target="_blank"/></webLink>',
            )
            elements.append(
                f'<resource identifier="{ident}" type="imswl_xmlv1p3">{_lom(r.title, r)}'
                f'<file href="{href}"/></resource>'
            )
        elif r.file:
            name = (r.file_name or f"file.{content_files.EXTENSIONS.get(r.mime, 'bin')}").replace(
                "/", "_"
            )
            href = f"{folder}resources/{n}/{name}"
            with r.file.open("rb") as f:
                z.writestr(href, f.read())
            elements.append(
                f'<resource identifier="{ident}" type="webcontent" href={quoteattr(href)}>'
                f"{_lom(r.title, r)}<file href={quoteattr(href)}/></resource>"
            )
    item = (
        f'<item identifier="{k}i_root"><title>{escape(lesson.title)}</title>{"".join(items)}</item>'
    )
    return item, elements


def _package(identifier: str, title: str, lessons, *, course: bool) -> bytes:
    """An IMS Common Cartridge 1.3 package: `lessons` are (lesson, its resources) pairs,
    one organisation item each under the root."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        items, elements = [], []
        for n, (lesson, resources) in enumerate(lessons, start=1):
            item, els = _lesson_entries(z, lesson, resources, n if course else 0)
            items.append(item)
            elements.extend(els)
        manifest = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<manifest identifier="{identifier}" xmlns="{CP}">'
            "<metadata><schema>IMS Common Cartridge</schema>"
            "<schemaversion>1.3.0</schemaversion>"
            f'<lomm:lom xmlns:lomm="{LOM_MANIFEST}"><lomm:general><lomm:title><lomm:string>'
            f"{escape(title)}</lomm:string></lomm:title></lomm:general></lomm:lom></metadata>"
            '<organizations><organization identifier="org" structure="rooted-hierarchy">'
            f'<item identifier="root">{"".join(items)}</item></organization></organizations>'
            f"<resources>{''.join(elements)}</resources></manifest>"
        )
        z.writestr("imsmanifest.xml", manifest)
    return buf.getvalue()


def _exported(lesson: Lesson, published_only: bool) -> list:
    # Imported material waits for review: only the class's teachers export it unpublished.
    return [
        r
        for r in sorted(lesson.resources.all(), key=lambda r: r.pk)
        if not published_only or r.status == ResourceStatus.PUBLISHED
    ]


def export_lesson(lesson: Lesson, *, published_only: bool = True) -> bytes:
    """The lesson as an IMS Common Cartridge 1.3 package (.imscc, a zip)."""
    return _package(
        f"edudx_lesson_{lesson.source_id}",
        lesson.title,
        [(lesson, _exported(lesson, published_only))],
        course=False,
    )


def export_class(online_class: OnlineClass, lessons) -> bytes:
    """A whole online class (course) as one package: an organisation item per lesson, in
    the class's order, each with its page, files and links. `lessons` come from
    `selectors.lessons`, which already keeps unpublished material to the teachers."""
    return _package(
        f"edudx_course_{online_class.source_id}",
        online_class.title,
        [(lesson, sorted(lesson.resources.all(), key=lambda r: r.pk)) for lesson in lessons],
        course=True,
    )


# --- import -----------------------------------------------------------------------------------


def _text(el, path: str, ns: dict) -> str:
    found = el.find(path, ns)
    return (found.text or "").strip() if found is not None and found.text else ""


@dataclass
class _Part:
    kind: str  # "page", "link" or "file"
    meta: dict
    text: str = ""
    url: str = ""
    href: str = ""
    raw: bytes = b""


@dataclass
class _LessonIn:
    title: str
    parts: list = field(default_factory=list)


def read_upload(f) -> bytes:
    """An uploaded package's bytes, refused past the size limit."""
    data = f.read(MAX_ENTRY + 1)
    if len(data) > MAX_ENTRY:
        raise _bad(_("Gói quá lớn."))
    return data


def _page_text(page: str) -> str:
    start = page.find("<div class='text'>")
    if start >= 0:  # our own export: the lesson's text exactly
        body = page[start + len("<div class='text'>") : page.rfind("</div>")]
    else:  # another platform's page: its body's text
        low = page.lower()
        b, e = low.find("<body"), low.rfind("</body>")
        body = page[page.find(">", b) + 1 : e if e > b else None] if b >= 0 else page
    text = html.unescape(strip_tags(body))
    return text.strip() if start < 0 else text


def parse(data: bytes) -> list[_LessonIn]:
    """The lessons of a package, checked and read into memory before anything is written:
    each child of the organisation's root item is a lesson — a folder item with its parts
    below it (IMS CC modules; our lesson packages are one such folder), or a single item
    that is one part. Web pages (.html) become the lesson's text; other web content files
    and web links become resources; other resource types (discussions, assessments, LTI
    links) are left out."""
    if content_files.sniff(data[:64]) != content_files.ZIP:
        raise _bad(_("Tệp không phải gói IMS Common Cartridge (.imscc)."))
    names = set(content_files.zip_check(io.BytesIO(data)))
    if "imsmanifest.xml" not in names:
        raise _bad(_("Gói thiếu imsmanifest.xml."))

    def read(name: str) -> bytes:
        member = content_files.zip_member(name)
        if member is None or member not in names:
            raise _bad(_("Gói tham chiếu tệp không có: %(n)s.") % {"n": name[:200]})
        out = content_files.zip_read(io.BytesIO(data), member)
        if out is None or len(out) > MAX_ENTRY:
            raise _bad(_("Không đọc được tệp %(n)s trong gói.") % {"n": name[:200]})
        return out

    try:
        manifest = SafeET.fromstring(read("imsmanifest.xml"))
    except Exception:  # defusedxml raises several kinds for hostile or broken XML
        raise _bad(_("imsmanifest.xml không hợp lệ.")) from None
    ns = {"cp": CP, "lom": LOM, "wl": WL}
    resources = {r.get("identifier"): r for r in manifest.iter(f"{{{CP}}}resource")}
    root = manifest.find("cp:organizations/cp:organization/cp:item", ns)
    tops = root.findall("cp:item", ns) if root is not None else []
    if not tops:
        raise _bad(_("Gói không có bài học nào (imsmanifest.xml không có mục nào)."))

    def part(item) -> _Part | None:
        ref = item.get("identifierref")
        res = resources.get(ref)
        if res is None:
            raise _bad(
                _("Mục “%(t)s” tham chiếu tài nguyên không có: %(r)s.")
                % {"t": _text(item, "cp:title", ns)[:200], "r": (ref or "")[:200]}
            )
        kind = res.get("type") or ""
        file_el = res.find("cp:file", ns)
        href = file_el.get("href") if file_el is not None else res.get("href")
        if not href:
            return None
        meta = {
            "title": _text(res, ".//lom:general/lom:title/lom:string", ns)
            or _text(item, "cp:title", ns),
            "language": _text(res, ".//lom:general/lom:language", ns),
            "author": _text(res, ".//lom:contribute/lom:entity", ns),
            "licence": _text(res, ".//lom:rights/lom:description/lom:string", ns),
        }
        if kind.startswith("imswl_xmlv1p"):
            try:
                link = SafeET.fromstring(read(href))
            except DomainError:
                raise
            except Exception:
                raise _bad(_("Liên kết %(n)s không hợp lệ.") % {"n": href[:200]}) from None
            url_el = link.find("wl:url", ns)
            return _Part(
                "link",
                meta | {"title": meta["title"] or _text(link, "wl:title", ns)},
                url=url_el.get("href", "") if url_el is not None else "",
            )
        if kind != "webcontent":
            return None
        if href.lower().endswith((".html", ".htm")):
            return _Part("page", meta, text=_page_text(read(href).decode("utf-8", "replace")))
        return _Part("file", meta, href=href, raw=read(href))

    lessons = []
    for top in tops:
        refs = (
            [top]
            if top.get("identifierref")
            else [i for i in top.iter(f"{{{CP}}}item") if i.get("identifierref")]
        )
        parts = [p for p in map(part, refs) if p is not None]
        title = _text(top, "cp:title", ns) or next(
            (p.meta["title"] for p in parts if p.kind == "page" and p.meta["title"]), ""
        )
        lessons.append(_LessonIn(title, parts))
    return lessons


def _resource_data(actor, online_class: OnlineClass, p: _Part):
    grade = online_class.class_group.grade
    data = content_services.ResourceData(
        title=p.meta["title"] or _("Học liệu nhập từ gói"),
        type=ResourceType.LINK if p.kind == "link" else ResourceType.DOCUMENT,
        subject_id=online_class.subject_id,
        grade=grade.number if grade else 6,
        licence=p.meta["licence"]
        if p.meta["licence"] in Licence.values
        else Licence.ALL_RIGHTS_RESERVED,
        author=p.meta["author"] or (actor.get_full_name() or actor.username),
        language=p.meta["language"] or "vi",
        external_url=p.url,
    )
    if p.kind == "link":
        return data, None
    mime = content_files.sniff(p.raw[:64], io.BytesIO(p.raw))
    for rtype in ("document", "video", "audio", "etextbook", "simulation"):
        if mime in content_files.ALLOWED[rtype]:
            data.type = rtype
            break
    upload = content_services.Upload(io.BytesIO(p.raw), len(p.raw), p.href.rsplit("/", 1)[-1])
    return data, upload


def import_cartridge(*, actor, online_class: OnlineClass, data: bytes) -> list[tuple]:
    """Create every lesson of a package (a lesson's or a whole course's) in the class, in
    order; each file or link is submitted to the repository (status `submitted`, moderated
    like any upload) and attached to its lesson. All or nothing: on any bad part the
    lessons and resources are rolled back and the stored files removed, and the error
    names the lesson and the part. Returns [(lesson, its new resources)]."""
    services.require_teacher(actor, online_class)
    lessons = parse(data)
    out, stored = [], []
    try:
        with transaction.atomic():
            for n, lesson_in in enumerate(lessons, start=1):
                pages = [p for p in lesson_in.parts if p.kind == "page"]
                lesson = services.lesson_create(
                    actor=actor,
                    online_class=online_class,
                    title=lesson_in.title or _("Bài học nhập từ gói"),
                    text="\n\n".join(p.text for p in pages if p.text),
                )
                created = []
                for p in lesson_in.parts:
                    if p.kind == "page":
                        continue
                    resource_data, upload = _resource_data(actor, online_class, p)
                    try:
                        r = content_services.resource_create(
                            actor=actor, data=resource_data, upload=upload
                        )
                    except DomainError as exc:
                        raise _bad(
                            _("Bài %(n)s “%(l)s”, học liệu “%(t)s”: %(e)s")
                            % {
                                "n": n,
                                "l": lesson.title,
                                "t": resource_data.title,
                                "e": exc.item.message,
                            }
                        ) from exc
                    created.append(r)
                    if r.file:
                        stored.append(r.file.name)
                lesson.resources.add(*created)
                out.append((lesson, created))
    except Exception:
        for name in stored:  # the rows are rolled back; their files must go too
            default_storage.delete(name)
        raise
    return out


def import_lesson(*, actor, online_class: OnlineClass, data: bytes) -> tuple[Lesson, list]:
    """Create one lesson from a lesson package (a course package goes through
    `import_cartridge`)."""
    services.require_teacher(actor, online_class)
    n = len(parse(data))
    if n != 1:
        raise _bad(_("Gói có %(n)s bài học; hãy nhập gói này như một khoá học.") % {"n": n})
    return import_cartridge(actor=actor, online_class=online_class, data=data)[0]
