"""Demo e-office: incoming and outgoing registers and work dossiers of the 2025-2026 school
year for the demo school and a few others of the district, the demo commune's office
(phong_gddt) and the province's Sở (so_gddt). Deterministic from `seed` (and the day it is
built, which caps the dates); a few hundred rows written with bulk_create.

The digital/paper mix is realistic rather than flattering: the Sở and the commune keep most
of their dossiers digitally, schools between a third and four fifths; a dossier holding a
paper letter is not handled digitally (T12, T13), and a few documents are open past their
due date so the registers show the overdue flag."""

import datetime as dt
import random

from django.db.models import Max
from django.utils import timezone

from edudx.accounts.models import User
from edudx.core.errors import DomainError
from edudx.core.text import fold
from edudx.org.models import OrgUnit, UnitKind
from edudx.people.models import StaffMember

from . import services
from .models import (
    DocumentType,
    DossierStatus,
    IncomingDocument,
    IncomingStatus,
    Medium,
    OutgoingDocument,
    Urgency,
    WorkDossier,
)

START, END = dt.date(2025, 9, 3), dt.date(2026, 5, 29)
OTHER_SCHOOLS = 4
SIGNED_EXAMPLES = 2
BATCH = 1000

TOPICS = [
    "Về việc tổ chức Hội khỏe Phù Đổng cấp trường",
    "Về việc triển khai nhiệm vụ năm học 2025-2026",
    "Về việc kiểm tra nề nếp, cơ sở vật chất đầu năm học",
    "Về việc phòng, chống dịch sốt xuất huyết trong trường học",
    "Về việc tổ chức thi giáo viên dạy giỏi cấp xã",
    "Về việc cập nhật dữ liệu vào cơ sở dữ liệu ngành",
    "Về việc tăng cường công tác an toàn giao thông cho học sinh",
    "Về việc thu, chi các khoản đầu năm học",
    "Về việc tổ chức kỳ thi học sinh giỏi lớp 9",
    "Về việc triển khai học bạ số",
    "Về việc báo cáo số liệu thống kê giữa năm học",
    "Về việc bồi dưỡng năng lực số cho giáo viên",
    "Về việc tổ chức ngày hội đọc sách",
    "Về việc tuyển sinh vào lớp 1, lớp 6 năm học 2026-2027",
    "Về việc kiểm định chất lượng giáo dục",
]
DOSSIER_TITLES = [
    "Hồ sơ tổ chức Hội khỏe Phù Đổng",
    "Hồ sơ kế hoạch năm học 2025-2026",
    "Hồ sơ thi giáo viên dạy giỏi",
    "Hồ sơ phòng, chống dịch bệnh",
    "Hồ sơ thi học sinh giỏi",
    "Hồ sơ triển khai chuyển đổi số",
    "Hồ sơ kiểm tra nội bộ",
    "Hồ sơ thống kê giữa năm học",
    "Hồ sơ tuyển sinh",
    "Hồ sơ an toàn trường học",
]
TYPE_ABBR = {
    DocumentType.DECISION: "QĐ",
    DocumentType.NOTICE: "TB",
    DocumentType.PLAN: "KH",
    DocumentType.REPORT: "BC",
    DocumentType.SUBMISSION: "TTr",
    DocumentType.INVITATION: "GM",
}


def _user(users, name: str) -> User | None:
    return next((u for u in users if u.username == name), None)


def _abbr(unit: OrgUnit) -> str:
    """The issuing unit in a symbol: "Trường THCS Lê Lợi" → "THCSLL"."""
    if unit.kind == UnitKind.PROVINCE:
        return "SGDĐT"
    if unit.kind == UnitKind.COMMUNE:
        return "VHXH"
    words = unit.name.replace("Trường", "").split()
    head = words[0] if words and words[0].isupper() else ""
    return head + "".join(w[0] for w in words[1 if head else 0 :] if w[:1].isalpha()).upper()


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=rng.randrange(max(1, (hi - lo).days + 1)))


class _Unit:
    """One unit's registers as the demo fills them."""

    def __init__(self, unit, handlers, *, incoming: int, digital: float, senders: list[str]):
        self.unit, self.handlers = unit, handlers
        self.n_in, self.digital, self.senders = incoming, digital, senders
        self.signer = ""


def _plan(rng, units: list[_Unit], end: dt.date):
    dossiers, incoming, outgoing = [], [], []
    for u in units:
        unit, handlers = u.unit, u.handlers or [None]
        abbr = _abbr(unit)
        n_dossiers = max(3, u.n_in // 4)
        unit_dossiers = []
        for i in range(n_dossiers):
            opened = _day(rng, START, min(end, START + dt.timedelta(days=200)))
            d = WorkDossier(
                unit=unit,
                year=opened.year,
                code=f"{i + 1:02d}.{abbr}",
                title=DOSSIER_TITLES[i % len(DOSSIER_TITLES)],
                handler=rng.choice(handlers),
                medium=Medium.DIGITAL if rng.random() < u.digital else Medium.PAPER,
                opened_on=opened,
                search_text="",
            )
            d.search_text = fold(f"{d.code} {d.title}")
            unit_dossiers.append(d)
        dossiers.extend(unit_dossiers)
        docs = []
        for _i in range(u.n_in):
            received = _day(rng, START, end)
            sender = rng.choice(u.senders)
            symbol = f"{rng.randint(1, 900)}/{sender.split('|')[1]}"
            summary = rng.choice(TOPICS)
            doc = IncomingDocument(
                unit=unit,
                year=received.year,
                number=0,
                sender=sender.split("|")[0],
                symbol=symbol,
                issued_on=received - dt.timedelta(days=rng.randint(0, 4)),
                received_on=received,
                summary=summary,
                urgency=rng.choices(Urgency.values, weights=[80, 14, 4, 2])[0],
                electronic=rng.random() < u.digital + 0.1,
                search_text="",
            )
            doc.search_text = fold(f"{doc.summary} {doc.sender} {doc.symbol}")
            docs.append(doc)
        docs.sort(key=lambda x: (x.received_on, x.symbol))
        counters: dict[int, int] = {}
        for doc in docs:
            counters[doc.year] = counters.get(doc.year, 0) + 1
            doc.number = counters[doc.year]
            fate = rng.random()
            if fate < 0.55:  # filed and handled
                dossier = rng.choice(unit_dossiers)
                doc.dossier = dossier
                if dossier.medium == Medium.PAPER:
                    doc.electronic = False
                doc.status = IncomingStatus.DONE
                doc.handler = dossier.handler
            elif fate < 0.85:
                doc.status = IncomingStatus.DONE
                doc.handler = rng.choice(handlers)
            else:  # still open; some past their due date
                doc.status = rng.choice([IncomingStatus.ASSIGNED, IncomingStatus.IN_PROGRESS])
                doc.handler = rng.choice(handlers)
            if doc.handler is not None:
                doc.due_on = doc.received_on + dt.timedelta(days=rng.choice([5, 7, 10, 15]))
        incoming.extend(docs)
        out_counters: dict[int, int] = {}
        outs = []
        for doc in docs:
            if rng.random() >= 0.45:
                continue
            issued = min(end, doc.received_on + dt.timedelta(days=rng.randint(1, 8)))
            kind = rng.choice([DocumentType.OFFICIAL_LETTER, DocumentType.REPORT])
            o = OutgoingDocument(
                unit=unit,
                year=issued.year,
                number=0,
                symbol=f"{TYPE_ABBR[kind]}-{abbr}" if kind in TYPE_ABBR else f"{abbr}-VP",
                doc_type=kind,
                issued_on=issued,
                signer=u.signer,
                recipients=f"{doc.sender};\nLưu: VT.",
                summary=doc.summary.replace("Về việc", "Trả lời về việc", 1),
                electronic=doc.electronic,
                dossier=doc.dossier,
                search_text="",
            )
            o.reply_to_doc = doc
            o.search_text = fold(f"{o.summary} {o.recipients} {o.symbol}")
            outs.append(o)
            if doc.status != IncomingStatus.DONE:
                doc.status = IncomingStatus.DONE
        outs.sort(key=lambda x: (x.issued_on, x.summary))
        for o in outs:
            out_counters[o.year] = out_counters.get(o.year, 0) + 1
            o.number = out_counters[o.year]
        outgoing.extend(outs)
        # Close most dossiers (the open ones still take documents).
        for d in unit_dossiers:
            filed = [x for x in docs if x.dossier is d] + [o for o in outs if o.dossier is d]
            if filed and rng.random() < 0.8:
                last = max(getattr(x, "received_on", None) or x.issued_on for x in filed)
                d.status = DossierStatus.CLOSED
                d.closed_on = min(end, last + dt.timedelta(days=rng.randint(1, 20)))
                d.handled_digitally = d.medium == Medium.DIGITAL and all(
                    x.electronic for x in filed
                )
    return dossiers, incoming, outgoing


def build_demo(summary, users, *, seed: int, log=print) -> None:
    principal, clerk = _user(users, "hieu_truong"), _user(users, "van_thu")
    teacher, homeroom = _user(users, "giao_vien"), _user(users, "gvcn")
    commune_officer, province_officer = _user(users, "phong_gddt"), _user(users, "so_gddt")
    if not (principal and clerk):
        log("office.demo: demo users missing, skipped")
        return
    rng = random.Random(f"{seed}:office")  # noqa: S311 — demo data, not secrets
    end = min(END, timezone.localdate())
    school = clerk.role_assignments.get().unit
    commune = commune_officer.role_assignments.get().unit if commune_officer else school.parent
    province = province_officer.role_assignments.get().unit if province_officer else None
    sgd = "Sở Giáo dục và Đào tạo tỉnh Lâm Đồng|SGDĐT-VP"
    vhxh = f"Phòng Văn hóa - Xã hội {commune.name.replace('Xã', 'xã')}|VHXH"
    school_senders = [sgd, vhxh, f"UBND {commune.name.replace('Xã', 'xã')}|UBND-VX",
                      f"Trạm Y tế {commune.name.replace('Xã', 'xã')}|TYT",
                      "Hội Cha mẹ học sinh nhà trường|HCMHS"]  # fmt: skip
    staff = [u for u in (principal, clerk, teacher, homeroom) if u]
    units = [_Unit(school, staff, incoming=48, digital=0.75, senders=school_senders)]
    area = province or commune
    others = (
        OrgUnit.objects.filter(
            kind=UnitKind.SCHOOL, valid_to__isnull=True, path__startswith=area.path
        )
        .exclude(pk=school.pk)
        .order_by("code", "pk")[:OTHER_SCHOOLS]
    )
    units.extend(
        _Unit(s, [], incoming=rng.randint(10, 18), digital=rng.uniform(0.3, 0.8),
              senders=school_senders)
        for s in others
    )  # fmt: skip
    if commune_officer:
        units.append(
            _Unit(commune, [commune_officer], incoming=30, digital=0.85,
                  senders=[sgd, f"UBND {commune.name.replace('Xã', 'xã')}|UBND-VX"])
        )  # fmt: skip
    if province and province_officer:
        units.append(
            _Unit(province, [province_officer], incoming=30, digital=0.92,
                  senders=["Bộ Giáo dục và Đào tạo|BGDĐT-GDPT", "UBND tỉnh Lâm Đồng|UBND-VX"])
        )  # fmt: skip
    heads = dict(
        StaffMember.objects.filter(
            unit__in=[u.unit for u in units], position="Hiệu trưởng", end_date__isnull=True
        ).values_list("unit_id", "person__full_name")
    )
    for u in units:
        u.signer = heads.get(u.unit.pk) or {
            UnitKind.COMMUNE: "Trưởng phòng Văn hóa - Xã hội",
            UnitKind.PROVINCE: "Giám đốc Sở Giáo dục và Đào tạo",
        }.get(u.unit.kind, "Hiệu trưởng")
    dossiers, incoming, outgoing = _plan(rng, units, end)
    WorkDossier.objects.bulk_create(dossiers, batch_size=BATCH)
    IncomingDocument.objects.bulk_create(incoming, batch_size=BATCH)
    for o in outgoing:
        o.reply_to = o.reply_to_doc
    OutgoingDocument.objects.bulk_create(outgoing, batch_size=BATCH)
    closed = [d for d in dossiers if d.status == DossierStatus.CLOSED]
    digital = sum(d.handled_digitally for d in closed)
    top = IncomingDocument.objects.aggregate(m=Max("number"))["m"]
    log(
        f"office.demo: {len(incoming)} incoming (max number {top}), {len(outgoing)} outgoing, "
        f"{len(dossiers)} dossiers ({digital}/{len(closed)} closed handled digitally)"
    )
    summary.counts["office_documents"] = len(incoming) + len(outgoing)
    summary.counts["office_dossiers"] = len(dossiers)
    _signed_examples(school, principal, clerk, log)


def _signed_examples(school: OrgUnit, principal: User, clerk: User, log) -> None:
    """The demo school's SIGNED_EXAMPLES latest electronic outgoing documents drawn as PDFs,
    signed by the principal and carrying the school's own signature, so the register shows
    finished documents and their public check (/verify/documents/) can be tried at once.
    Skipped where demo keys are not allowed (a real trust root is configured)."""
    latest = OutgoingDocument.objects.filter(unit=school, electronic=True, attachment="").order_by(
        "-issued_on", "-number"
    )[:SIGNED_EXAMPLES]
    done = 0
    for document in latest:
        try:
            document = services.outgoing_render(actor=clerk, document=document)
            document = services.outgoing_sign(actor=principal, document=document)
            services.outgoing_seal(actor=clerk, document=document)
        except DomainError as exc:
            log(f"office.demo: signed examples skipped ({exc.code})")
            return
        done += 1
    log(f"office.demo: {done} outgoing documents signed and sealed")
