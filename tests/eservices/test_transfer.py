import pytest

from edudx.core.api_errors import Forbidden
from edudx.core.errors import Conflict, DomainError
from edudx.eservices import services
from edudx.eservices.models import Dossier
from edudx.people.models import Enrolment

from .conftest import PDF

pytestmark = pytest.mark.django_db


def request_transfer(world, actor=None, **kw):
    d = world.d
    p = d.student_a1.person
    raw = {
        "applicant_name": "Nguyễn Văn Hải",
        "phone": "0912000111",
        "student_personal_id": p.personal_id,
        "student_name": "nguyen van an",  # folded match: accents and case do not matter
        "date_of_birth": p.date_of_birth.strftime("%d/%m/%Y"),
        "to_school": str(d.school_b.pk),
        "reason": "Gia đình chuyển nơi ở",
        **kw,
    }
    letter = services.attachment_upload(
        actor=actor,
        kind="request_letter",
        filename="don.pdf",
        data=PDF,
        claimed_type="application/pdf",
    )
    return services.dossier_create(
        actor=actor,
        procedure=world.procedure("transfer_lower_secondary"),
        raw=raw,
        attachments=[str(letter.token)],
    )


def step(actor, d, action, **kw):
    return services.dossier_transition(actor=actor, dossier=d, action=action, comment=action, **kw)


def test_transfer_end_to_end(world):
    d = world.d
    dossier = request_transfer(world, actor=world.guardian)
    assert dossier.unit == d.commune_b  # the receiving school's commune
    assert (dossier.from_school, dossier.to_school) == (d.school_a, d.school_b)
    dossier = step(world.officer_b, dossier, "receive")
    dossier = step(world.officer_b, dossier, "process")
    # Receiving school cannot accept before the sending school releases.
    assert services.allowed_actions(world.principal_b, dossier) == []
    with pytest.raises(Conflict):
        step(world.principal_b, dossier, "accept")
    with pytest.raises(Forbidden):
        step(world.principal_b, dossier, "release")  # not the sending school
    assert services.allowed_actions(world.principal_a, dossier) == ["release"]
    dossier = step(world.principal_a, dossier, "release")
    with pytest.raises(Forbidden):
        step(world.principal_a, dossier, "accept")  # not the receiving school
    assert services.allowed_actions(world.principal_b, dossier) == ["accept"]
    dossier = step(world.principal_b, dossier, "accept")
    assert dossier.status == "approved"
    student = d.student_a1
    student.refresh_from_db()
    assert (student.current_school, student.current_class) == (d.school_b, d.class_b)
    history = list(Enrolment.objects.filter(student=student).values_list("school_id", "status"))
    assert history == [(d.school_a.pk, "transferred_out"), (d.school_b.pk, "active")]
    dossier = step(world.officer_b, dossier, "return_result")
    assert dossier.status == "returned" and bytes(dossier.result_pdf).startswith(b"%PDF")


def test_receiving_school_full(world):
    d = world.d
    d.class_b.capacity = 1  # student_b1 already fills it
    d.class_b.save()
    dossier = request_transfer(world)
    for who, action in [
        (world.officer_b, "receive"),
        (world.officer_b, "process"),
        (world.principal_a, "release"),
    ]:
        dossier = step(who, dossier, action)
    with pytest.raises(Conflict) as err:
        step(world.principal_b, dossier, "accept")
    assert err.value.code == "transfer.capacity"
    assert Dossier.objects.get(pk=dossier.pk).status == "processing"
    d.student_a1.refresh_from_db()
    assert d.student_a1.current_school == d.school_a


def test_transfer_student_must_match(world):
    with pytest.raises(DomainError) as err:
        request_transfer(world, student_name="Người Khác")
    assert err.value.code == "transfer.student"


def test_guardian_cannot_transfer_another_child(world):
    d = world.d
    p = d.student_b1.person
    with pytest.raises(Forbidden):
        request_transfer(
            world,
            actor=world.guardian,
            student_personal_id=p.personal_id,
            student_name=p.full_name,
            to_school=str(d.school_a.pk),
        )
    assert Dossier.objects.count() == 0


def test_approve_is_not_the_way_for_transfers(world):
    dossier = request_transfer(world)
    dossier = step(world.officer_b, dossier, "receive")
    dossier = step(world.officer_b, dossier, "process")
    with pytest.raises(DomainError) as err:
        step(world.officer_b, dossier, "approve")
    assert err.value.code == "transfer.accept_required"
