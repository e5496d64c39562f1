import datetime as dt

import lxml.html
import pytest
from django.utils import timezone

from edudx.audit.models import AuditEvent
from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError, DomainErrors, NotFound
from edudx.core.signing import verify_pdf
from edudx.eservices import selectors, services
from edudx.eservices.models import Attachment, Dossier, DossierEvent, Rating
from edudx.eservices.services import Throttled
from edudx.eservices.workdays import shipped_calendar
from edudx.notify.models import Notification
from tests.factories import UserFactory
from tests.pages.conftest import otp_login

from .conftest import JPEG, PDF, PNG

pytestmark = pytest.mark.django_db

COPY_FORM = {
    "applicant_name": "Trần Văn Tú",
    "phone": "0912 345 678",
    "holder_name": "Trần Văn Tú",
    "holder_birth_date": "12/03/2005",
    "certificate_type": "Bằng tốt nghiệp THCS",
    "graduation_year": "2020",
    "copies": "2",
}
ORDER = ["receive", "process", "approve", "return_result"]
# From which state each officer action is allowed (everything else must be refused).
ALLOWED = {
    "receive": {"submitted"},
    "process": {"received"},
    "request_supplement": {"received", "processing"},
    "approve": {"processing"},
    "reject": {"submitted", "received", "processing"},
    "return_result": {"approved", "rejected"},
}
STATES = ["submitted", "received", "processing", "supplement", "approved", "rejected", "returned"]


def upload(actor=None, kind="id_document", data=PDF, claimed="application/pdf"):
    return services.attachment_upload(
        actor=actor, kind=kind, filename="cccd.pdf", data=data, claimed_type=claimed
    )


def copy_dossier(world, actor=None, **kw):
    return services.dossier_create(
        actor=actor,
        procedure=world.procedure("diploma_copy"),
        raw=dict(COPY_FORM, **kw),
        attachments=[str(upload(actor).token)],
        unit_id=world.d.commune_a.pk,
    )


def bring_to(world, state):
    return bring_to_as(world, None, state)


def bring_to_as(world, applicant, state):
    d = copy_dossier(world, actor=applicant)
    officer = world.officer_a
    path = {
        "submitted": [],
        "received": ["receive"],
        "processing": ["receive", "process"],
        "supplement": ["receive", "request_supplement"],
        "approved": ["receive", "process", "approve"],
        "rejected": ["reject"],
        "returned": ["reject", "return_result"],
    }[state]
    for action in path:
        d = services.dossier_transition(actor=officer, dossier=d, action=action, comment="ok")
    assert d.status == state
    return d


def test_anonymous_submission_gets_a_code_and_notifies_the_phone(world):
    d = copy_dossier(world)
    assert d.status == "submitted" and d.code.startswith("HS") and len(d.code) == 10
    assert d.phone == "0912345678" and d.unit == world.d.commune_a
    assert d.files.count() == 1
    assert Notification.objects.get(phone="0912345678").context["status"] == "submitted"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_every_officer_transition(world, state, action):
    d = bring_to(world, state)
    if state in ALLOWED[action]:
        d = services.dossier_transition(
            actor=world.officer_a, dossier=d, action=action, comment="Ý kiến"
        )
        assert d.status == services.OFFICER_ACTIONS[action][1]
        assert DossierEvent.objects.filter(dossier=d, action=action, comment="Ý kiến").count() == 1
        assert AuditEvent.objects.filter(object_type="eservices.dossier", reason="Ý kiến").exists()
    else:
        with pytest.raises(Conflict):
            services.dossier_transition(
                actor=world.officer_a, dossier=d, action=action, comment="x"
            )
        assert Dossier.objects.get(pk=d.pk).status == state


@pytest.mark.parametrize("who", ["officer_b", "principal_a", "citizen", "guardian"])
def test_transition_by_someone_outside_the_unit_is_refused(world, who):
    d = copy_dossier(world)
    with pytest.raises(Forbidden) as err:
        services.dossier_transition(
            actor=getattr(world, who), dossier=d, action="receive", comment="x"
        )
    assert "Xã Nam Bình" in str(err.value)
    assert Dossier.objects.get(pk=d.pk).status == "submitted"


def test_transition_needs_a_comment(world):
    d = copy_dossier(world)
    with pytest.raises(DomainError) as err:
        services.dossier_transition(actor=world.officer_a, dossier=d, action="receive", comment=" ")
    assert err.value.code == "dossier.comment"


def test_due_date_counts_working_days_and_pauses_for_supplement(world):
    d = copy_dossier(world)
    d = services.dossier_transition(actor=world.officer_a, dossier=d, action="receive", comment="a")
    today = timezone.localdate()
    cal = shipped_calendar()
    assert d.received_on == today
    assert d.due_date == cal.add_working_days(today, 1)
    d = services.dossier_transition(
        actor=world.officer_a, dossier=d, action="request_supplement", comment="Thiếu bản sao CCCD"
    )
    # Pretend the request went out two weeks ago: the clock stood still since.
    paused = today - dt.timedelta(days=14)
    Dossier.objects.filter(pk=d.pk).update(paused_on=paused)
    due_before = d.due_date
    d = services.dossier_supplement(
        actor=None,
        dossier=d,
        comment="Đã bổ sung",
        phone="0912345678",
        attachments=[str(upload().token)],
    )
    assert d.status == "processing" and d.paused_on is None
    assert d.pauses == [[paused.isoformat(), today.isoformat()]]
    assert d.due_date == cal.add_working_days(due_before, cal.working_days_between(paused, today))
    assert d.files.count() == 2


def test_supplement_with_wrong_phone_is_refused(world):
    d = bring_to(world, "supplement")
    with pytest.raises(Forbidden):
        services.dossier_supplement(actor=None, dossier=d, comment="x", phone="0999999999")


def test_overdue_flag(world):
    d = bring_to(world, "processing")
    Dossier.objects.filter(pk=d.pk).update(due_date=timezone.localdate() - dt.timedelta(days=1))
    d.refresh_from_db()
    assert selectors.is_overdue(d) is True
    assert list(selectors.officer_queue(actor=world.officer_a, overdue=True)) == [d]
    assert list(selectors.officer_queue(actor=world.officer_b)) == []


def test_full_service_returns_a_signed_pdf(world):
    d = bring_to(world, "approved")
    d = services.dossier_transition(
        actor=world.officer_a, dossier=d, action="return_result", comment="Trả kết quả"
    )
    assert d.status == "returned" and d.result_reference == f"{d.code}-KQ"
    result = verify_pdf(bytes(d.result_pdf), expected_fields=["officer"])
    assert result.verdict == "authentic", result.message
    assert d.resolved_on_time is True


def test_rating_only_after_close_once_and_counted(world):
    d = bring_to(world, "processing")
    with pytest.raises(Conflict):
        services.dossier_rate(actor=None, dossier=d, score=5, phone="0912345678")
    d = bring_to(world, "returned")
    with pytest.raises(DomainError):
        services.dossier_rate(actor=None, dossier=d, score=6, phone="0912345678")
    services.dossier_rate(actor=None, dossier=d, score=4, comment="Nhanh", phone="0912345678")
    with pytest.raises(Conflict):
        services.dossier_rate(actor=None, dossier=d, score=5, phone="0912345678")
    assert Rating.objects.get(dossier=d).score == 4
    assert selectors.indicator_counts(unit=world.d.province, target="T17") == (1, 1)
    assert selectors.indicator_counts(unit=world.d.commune_b, target="T17") == (0, 0)
    assert selectors.indicator_counts(unit=world.d.province, target="T16") == (0, 0)
    assert selectors.indicator_counts(unit=world.d.commune_a, target="T15") == (1, 1)


def test_t14_counts_full_service_procedures_of_the_units_kinds(world):
    # Commune level: 8 commune procedures (preschool, grade-1 and grade-6 admission, two
    # transfers, diploma copy and correction, tuition support), 6 of them full service.
    assert selectors.indicator_counts(unit=world.d.commune_a, target="T14") == (6, 8)
    # The province adds its own (upper-secondary transfer, full).
    assert selectors.indicator_counts(unit=world.d.province, target="T14") == (7, 9)


def test_missing_required_attachment(world):
    with pytest.raises(DomainError) as err:
        services.dossier_create(
            actor=None,
            procedure=world.procedure("diploma_copy"),
            raw=COPY_FORM,
            unit_id=world.d.commune_a.pk,
        )
    assert err.value.code == "dossier.attachments"
    assert "Giấy tờ tùy thân" in str(err.value)
    assert Dossier.objects.count() == 0


def test_bad_form_names_every_field(world):
    with pytest.raises(DomainErrors) as err:
        services.dossier_create(
            actor=None,
            procedure=world.procedure("diploma_copy"),
            raw=dict(COPY_FORM, phone="12345", graduation_year="abc", copies="20"),
            unit_id=world.d.commune_a.pk,
        )
    assert {i["field"] for i in err.value.as_list()} == {"phone", "graduation_year", "copies"}


@pytest.mark.parametrize(
    ("data", "claimed", "code"),
    [
        pytest.param(PNG, "application/pdf", "attachment.mismatch", id="png-claims-pdf"),
        pytest.param(b"MZ\x90\x00" + b"\x00" * 20, "application/pdf", "attachment.type", id="exe"),
        pytest.param(
            b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf", "attachment.too_large", id="big"
        ),
        pytest.param(b"", "application/pdf", "attachment.empty", id="empty"),
    ],
)
def test_attachment_checked_on_bytes(world, data, claimed, code):
    with pytest.raises(DomainError) as err:
        upload(data=data, claimed=claimed)
    assert err.value.code == code
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "claimed"), [(PDF, "application/pdf"), (JPEG, "image/jpeg"), (PNG, "")]
)
def test_attachment_accepted(world, data, claimed):
    assert upload(data=data, claimed=claimed).size == len(data)


def test_attachment_cannot_be_claimed_twice(world):
    a = upload()
    copy_dossier_with = dict(
        actor=None,
        procedure=world.procedure("diploma_copy"),
        raw=COPY_FORM,
        unit_id=world.d.commune_a.pk,
        attachments=[str(a.token)],
    )
    services.dossier_create(**copy_dossier_with)
    with pytest.raises(DomainError) as err:
        services.dossier_create(**copy_dossier_with)
    assert err.value.code == "attachment.unknown"
    assert Dossier.objects.count() == 1


def test_lookup_by_code_and_phone_leaks_nothing_and_is_throttled(world, settings):
    d = copy_dossier(world)
    found = services.dossier_by_code_and_phone(
        code=d.code.lower(), phone="0912345678", client_key="ip1"
    )
    assert found.pk == d.pk
    with pytest.raises(NotFound) as wrong_phone:
        services.dossier_by_code_and_phone(code=d.code, phone="0900000000", client_key="ip1")
    with pytest.raises(NotFound) as wrong_code:
        services.dossier_by_code_and_phone(code="HSXXXXXXXX", phone="0912345678", client_key="ip1")
    assert str(wrong_phone.value) == str(wrong_code.value)
    for _ in range(3):
        with pytest.raises(NotFound):
            services.dossier_by_code_and_phone(code=d.code, phone="0900000000", client_key="ip1")
    with pytest.raises(Throttled):
        services.dossier_by_code_and_phone(code=d.code, phone="0912345678", client_key="ip1")
    assert services.dossier_by_code_and_phone(code=d.code, phone="0912345678", client_key="ip2")


def test_citizen_with_account_sees_own_dossiers_only(world):
    mine = copy_dossier(world, actor=world.citizen)
    copy_dossier(world)
    assert list(selectors.my_dossiers(actor=world.citizen)) == [mine]
    assert selectors.dossier_get(actor=world.citizen, code=mine.code) == mine
    other = Dossier.objects.exclude(pk=mine.pk).get()
    with pytest.raises(NotFound):
        selectors.dossier_get(actor=world.citizen, code=other.code)
    assert selectors.dossier_get(actor=world.officer_a, code=other.code) == other
    with pytest.raises(NotFound):
        selectors.dossier_get(actor=world.officer_b, code=other.code)


@pytest.mark.parametrize("state", STATES)
def test_applicant_transitions(world, state):
    d = bring_to(world, state)
    if state == "supplement":
        d = services.dossier_supplement(
            actor=None, dossier=d, comment="Đã bổ sung", phone="0912345678"
        )
        assert d.status == "processing"
    else:
        with pytest.raises(Conflict):
            services.dossier_supplement(actor=None, dossier=d, comment="x", phone="0912345678")
    with pytest.raises(Conflict):
        services.dossier_submit(
            actor=None, dossier=Dossier.objects.get(pk=d.pk), phone="0912345678"
        )


def test_draft_submit_by_applicant_only(world):
    d = services.dossier_create(
        actor=world.citizen,
        procedure=world.procedure("diploma_copy"),
        raw=COPY_FORM,
        attachments=[str(upload(world.citizen).token)],
        unit_id=world.d.commune_a.pk,
        submit=False,
    )
    assert d.status == "draft"
    with pytest.raises(Forbidden):
        services.dossier_submit(actor=world.guardian, dossier=d)
    with pytest.raises(Forbidden):
        services.dossier_submit(actor=None, dossier=d, phone="0912345678")  # has an account
    d = services.dossier_submit(actor=world.citizen, dossier=d)
    assert d.status == "submitted" and d.submitted_at is not None


def test_catalogue_load_is_idempotent(world):
    from edudx.eservices.catalogue import catalogue_load
    from edudx.eservices.models import Procedure

    assert catalogue_load() == 9
    assert Procedure.objects.count() == 9
    assert Procedure.objects.get(code="transfer_upper_secondary").unit_kind == "province"


def test_home_tells_the_officer_what_waits_in_the_queue(world, client):
    """The officer's home page: dossiers to receive or process, and those overdue (first,
    linking to the overdue filter); a supplement request waits for the applicant, not for
    them; another commune's officer has nothing."""

    def tasks(user) -> list[tuple[str, str]]:
        otp_login(client, user)
        doc = lxml.html.fromstring(client.get("/").content)
        return [
            (a.text_content(), a.get("href")) for a in doc.xpath('//ul[@class="glance tasks"]//a')
        ]

    new = bring_to(world, "submitted")
    late = bring_to(world, "processing")
    waits_for_applicant = bring_to(world, "supplement")
    done = bring_to(world, "returned")
    Dossier.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 2))
    assert tasks(world.officer_a) == [
        ("1 hồ sơ dịch vụ công quá hạn", "/services/officer/?overdue=1"),
        ("2 hồ sơ dịch vụ công chờ xử lý", "/services/officer/?status=waiting"),
    ]
    page = client.get("/services/officer/?status=waiting").content.decode()
    assert new.code in page and late.code in page
    assert waits_for_applicant.code not in page and done.code not in page
    assert '<option value="waiting" selected>' in page
    client.logout()
    assert tasks(world.officer_b) == []
    assert selectors.queue_waiting(actor=world.officer_a) == {"waiting": 2, "overdue": 1}


def test_a_citizen_s_home_shows_what_they_can_do_and_what_waits_for_them(world, client):
    """A citizen has a role but sees nobody's records: no "ask for a role" notice; the
    menu's entries as shortcuts; a dossier sent back for a supplement, as a task."""
    otp_login(client, world.citizen)
    doc = lxml.html.fromstring(client.get("/").content)
    assert "chưa được gán vai trò" not in doc.text_content()
    shortcuts = doc.xpath('//ul[@class="cards shortcuts"]//a')
    assert [(a.text_content(), a.get("href")) for a in shortcuts] == [
        ("Phản hồi", "/contact/feedback/"),
        ("Dịch vụ công", "/services/"),
        ("Hồ sơ của tôi", "/services/mine/"),
        ("Học liệu", "/content/"),  # the open repository: lifelong learning (T26)
    ]
    assert doc.xpath('//ul[@class="glance tasks"]') == []

    sent_back = bring_to_as(world, world.citizen, "supplement")
    doc = lxml.html.fromstring(client.get("/").content)
    tasks = doc.xpath('//ul[@class="glance tasks"]//a')
    assert [(a.text_content(), a.get("href")) for a in tasks] == [
        ("1 hồ sơ của bạn cần bổ sung giấy tờ", "/services/mine/")
    ]
    assert sent_back.code in client.get("/services/mine/").content.decode()

    client.logout()
    nobody = UserFactory(username="chua_co_vai_tro")
    otp_login(client, nobody)
    page = client.get("/").content.decode()
    assert "Tài khoản của bạn chưa được gán vai trò hoặc đơn vị nào." in page
