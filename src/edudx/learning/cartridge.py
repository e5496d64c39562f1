"""IMS Common Cartridge 1.3 export and import of a lesson: its text as a web page, its
repository files as web content, its external links as IMS web links.

Export writes `imsmanifest.xml` (schema "IMS Common Cartridge" 1.3.0) with one rooted
organisation — the lesson, then an item per part — and the resources: `webcontent` for
`lesson.html` and each file (under `resources/<n>/<name>`), `imswl_xmlv1p3` for each link
(`weblinks/<n>.xml`). Metadata (title, licence, language, author) travel as LOM in the
manifest and are read back on import.

Import is defensive: the zip passes `content.files.zip_check` (no absolute or escaping
paths, symlinks, bombs), entries are read with a bound, and XML is parsed with defusedxml
(no entities, no external references). It creates the lesson in the given online class
and submits each file or link to the repository as a new resource of the class's subject
and grade (status `submitted`: it goes through moderation like any upload)."""

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree as SafeET
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from edudx.content import files as content_files
from edudx.content import services as content_services
from edudx.content.models import Licence, ResourceType
from edudx.core.errors import DomainError

from . import services
from .models import Lesson, OnlineClass

CP = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource"
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


def export_lesson(lesson: Lesson) -> bytes:
    """The lesson as an IMS Common Cartridge 1.3 package (.imscc, a zip)."""
    buf = io.BytesIO()
    items, resources = [], []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        page = (
            "<!doctype html><html><head><meta charset='utf-8'><title>"
            f"{escape(lesson.title)}</title></head><body><h1>{escape(lesson.title)}</h1>"
            f"<div class='text'>{escape(lesson.text)}</div></body></html>"
        )
        z.writestr("lesson.html", page)
        items.append(
            '<item identifier="i_lesson" identifierref="r_lesson">'
            f"<title>{escape(lesson.title)}</title></item>"
        )
        resources.append(
            '<resource identifier="r_lesson" type="webcontent" href="lesson.html">'
            '<file href="lesson.html"/></resource>'
        )
        for n, r in enumerate(lesson.resources.order_by("id"), start=1):
            ident = f"r{n}"
            items.append(
                f'<item identifier="i{n}" identifierref="{ident}">'
                f"<title>{escape(r.title)}</title></item>"
            )
            if r.external_url:
                href = f"weblinks/{n}.xml"
                z.writestr(
                    href,
                    f'<?xml version="1.0" encoding="UTF-8"?><webLink xmlns="{WL}">'
                    f"<title>{escape(r.title)}</title><url href={quoteattr(r.external_url)} "
                    'target="_blank"/></webLink>',
                )
                resources.append(
                    f'<resource identifier="{ident}" type="imswl_xmlv1p3">{_lom(r.title, r)}'
                    f'<file href="{href}"/></resource>'
                )
            elif r.file:
                name = (
                    r.file_name or f"file.{content_files.EXTENSIONS.get(r.mime, 'bin')}"
                ).replace("/", "_")
                href = f"resources/{n}/{name}"
                with r.file.open("rb") as f:
                    z.writestr(href, f.read())
                resources.append(
                    f'<resource identifier="{ident}" type="webcontent" href={quoteattr(href)}>'
                    f"{_lom(r.title, r)}<file href={quoteattr(href)}/></resource>"
                )
        manifest = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<manifest identifier="edudx_lesson_{lesson.source_id}" xmlns="{CP}">'
            "<metadata><schema>IMS Common Cartridge</schema>"
            "<schemaversion>1.3.0</schemaversion></metadata>"
            '<organizations><organization identifier="org" structure="rooted-hierarchy">'
            '<item identifier="root"><item identifier="i_root">'
            f"<title>{escape(lesson.title)}</title>"
            f"{''.join(items)}</item></item></organization></organizations>"
            f"<resources>{''.join(resources)}</resources></manifest>"
        )
        z.writestr("imsmanifest.xml", manifest)
    return buf.getvalue()


def _text(el, path: str, ns: dict) -> str:
    found = el.find(path, ns)
    return (found.text or "").strip() if found is not None and found.text else ""


def import_lesson(*, actor, online_class: OnlineClass, data: bytes) -> tuple[Lesson, list]:
    """Create a lesson (and submit its files and links to the repository) from a cartridge."""
    f = io.BytesIO(data)
    if content_files.sniff(data[:64]) != content_files.ZIP:
        raise _bad(_("Tệp không phải gói IMS Common Cartridge (.imscc)."))
    names = set(content_files.zip_check(f))
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
    titles = {
        i.get("identifierref"): _text(i, "cp:title", ns)
        for i in manifest.iter(f"{{{CP}}}item")
        if i.get("identifierref")
    }
    root = manifest.find(".//cp:organization/cp:item/cp:item", ns)
    lesson_title = _text(root, "cp:title", ns) if root is not None else ""
    lesson_text = ""
    parts = []
    for res in manifest.iter(f"{{{CP}}}resource"):
        ident, kind = res.get("identifier"), res.get("type")
        file_el = res.find("cp:file", ns)
        href = file_el.get("href") if file_el is not None else res.get("href")
        if not href:
            continue
        meta = {
            "title": _text(res, ".//lom:general/lom:title/lom:string", ns) or titles.get(ident, ""),
            "language": _text(res, ".//lom:general/lom:language", ns),
            "author": _text(res, ".//lom:contribute/lom:entity", ns),
            "licence": _text(res, ".//lom:rights/lom:description/lom:string", ns),
        }
        if ident == "r_lesson" or href == "lesson.html":
            page = read(href).decode("utf-8", "replace")
            start = page.find("<div class='text'>")
            body = (
                page[start + len("<div class='text'>") : page.rfind("</div>")]
                if start >= 0
                else page
            )
            lesson_text = (
                strip_tags(body).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            )
            lesson_title = lesson_title or titles.get(ident, "")
        elif kind and kind.startswith("imswl_xmlv1p"):
            try:
                link = SafeET.fromstring(read(href))
            except Exception:
                raise _bad(_("Liên kết %(n)s không hợp lệ.") % {"n": href[:200]}) from None
            url_el = link.find("wl:url", ns)
            parts.append(
                (
                    "link",
                    meta | {"title": meta["title"] or _text(link, "wl:title", ns)},
                    url_el.get("href") if url_el is not None else "",
                )
            )
        elif kind == "webcontent":
            parts.append(("file", meta, (href, read(href))))
    subject, grade = online_class.subject, online_class.class_group.grade
    created = []
    with transaction.atomic():
        lesson = services.lesson_create(
            actor=actor,
            online_class=online_class,
            title=lesson_title or _("Bài học nhập từ gói"),
            text=lesson_text,
        )
        for kind, meta, payload in parts:
            data_ = content_services.ResourceData(
                title=meta["title"] or _("Học liệu nhập từ gói"),
                type=ResourceType.LINK if kind == "link" else ResourceType.DOCUMENT,
                subject_id=subject.pk,
                grade=grade.number if grade else 6,
                licence=meta["licence"]
                if meta["licence"] in Licence.values
                else Licence.ALL_RIGHTS_RESERVED,
                author=meta["author"] or (actor.get_full_name() or actor.username),
                language=meta["language"] or "vi",
                external_url=payload if kind == "link" else "",
            )
            upload = None
            if kind == "file":
                href, raw = payload
                mime = content_files.sniff(raw[:64], io.BytesIO(raw))
                for rtype in ("document", "video", "audio", "etextbook", "simulation"):
                    if mime in content_files.ALLOWED[rtype]:
                        data_.type = rtype
                        break
                upload = content_services.Upload(io.BytesIO(raw), len(raw), href.rsplit("/", 1)[-1])
            created.append(content_services.resource_create(actor=actor, data=data_, upload=upload))
    return lesson, created
