"""The lean exam path (/exams/live/…): tickets and attempt tokens, the guarded upsert, exact
stored values, idempotent replays, and every refusal with its code and message."""

import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from edudx.exams import live, services
from edudx.exams.models import Attempt, AttemptAnswer, AttemptStatus, QuestionVersion
from edudx.exams.services import GRACE
from tests.api.conftest import API, token_client

from .conftest import bank

pytestmark = pytest.mark.django_db

CELLS = [
    {"topic": "so-tu-nhien", "level": "nb", "count": 3, "points": "0.5"},
    {"topic": "phan-so", "level": "vd", "count": 1, "points": "1", "kind": "tf4"},
    {"topic": "so-tu-nhien", "level": "vd", "count": 1, "points": "0.5", "kind": "short"},
]
DEVICE = "phone-0123456789"


@pytest.fixture
def test(teacher, district, maths):
    """A test open now (the live path reads the real clock)."""
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher, name="KT 15 phút", subject_id=maths.pk, grade=6, cells=CELLS
    )
    paper = services.paper_generate(
        actor=teacher, matrix=matrix, title="Kiểm tra 15 phút", versions=2, seed=3
    )
    now = timezone.now()
    return services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=district.class_a,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=1),
        duration_minutes=15,
    )


def attempt_of(test, user) -> Attempt:
    return Attempt.objects.select_related("test").get(test=test, person_id=user.person_id)


def call(method, path, *, ticket="", token="", device=DEVICE, body=None, lang="vi"):
    headers = {
        "HTTP_X_DEVICE_TOKEN": device,
        "HTTP_X_EXAM_TICKET": ticket,
        "HTTP_X_ATTEMPT_TOKEN": token,
        "HTTP_ACCEPT_LANGUAGE": lang,
    }
    r = Client().generic(
        method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )
    return r.status_code, json.loads(r.content)


def start(a, device=DEVICE):
    return call("POST", f"/exams/live/{a.pk}/start", ticket=live.ticket_for(a), device=device)


def save(a, token, qv, response, seq, device=DEVICE, lang="vi"):
    return call(
        "PUT",
        f"/exams/live/{a.pk}/answers/{qv}",
        token=token,
        device=device,
        body={"response": response, "seq": seq},
        lang=lang,
    )


def test_start_autosave_replay_submit_store_exact_values(test, student_user):
    a = attempt_of(test, student_user)
    status, state = start(a)
    assert status == 200 and state["status"] == "started" and state["seconds_left"] == 15 * 60
    assert (state["max_score"], state["answers"], state["title"]) == (
        "3.00",
        {},
        "Kiểm tra 15 phút",
    )
    a.refresh_from_db()
    assert (a.status, a.device_token, a.deadline - a.started_at) == (
        AttemptStatus.STARTED,
        DEVICE,
        dt.timedelta(minutes=15),
    )
    assert [q["qv"] for q in state["paper"]["questions"]] == [i["qv"] for i in a.version.items]
    assert "fraction" not in json.dumps(state["paper"])
    token = state["token"]
    assert token.startswith(f"a.{a.pk}.{student_user.person_id}.{a.version_id}.")
    items = a.version.items
    kinds = QuestionVersion.objects.in_bulk([i["qv"] for i in items])
    answers = {}
    for pos, item in enumerate(items):
        kind = kinds[item["qv"]].kind
        answers[pos] = {"single": "b", "tf4": {"a": True, "b": False}, "short": "2,5"}[kind]
    for seq, (pos, resp) in enumerate(answers.items(), start=1):
        status, out = save(a, token, items[pos]["qv"], resp, seq)
        assert status == 200
        assert (out["question"], out["position"], out["seq"], out["stored"]) == (
            items[pos]["qv"],
            pos,
            seq,
            True,
        )
    # The offline queue replays an older answer and the same request twice: acknowledged,
    # nothing overwritten.
    assert save(a, token, items[0]["qv"], "d", 9)[1]["stored"] is True
    status, out = save(a, token, items[0]["qv"], "c", 2)
    assert (status, out["stored"]) == (200, False)
    status, out = save(a, token, items[0]["qv"], "d", 9)
    assert (status, out["stored"]) == (200, False)
    rows = {
        p: (r, s)
        for p, r, s in AttemptAnswer.objects.filter(attempt=a).values_list(
            "position", "response", "seq"
        )
    }
    expected = {pos: (resp, seq) for seq, (pos, resp) in enumerate(answers.items(), start=1)}
    expected[0] = ("d", 9)
    assert rows == expected
    # Reloading the page on the same device resumes with the saved answers.
    status, again = start(a)
    assert status == 200 and again["answers"]["0"] == {"response": "d", "seq": 9}
    status, result = call("POST", f"/exams/live/{a.pk}/submit", token=token)
    assert status == 200 and result["status"] == "submitted" and result["late"] is False
    status, result2 = call("POST", f"/exams/live/{a.pk}/submit", token=token)
    assert (status, result2["score"], result2["submitted_at"]) == (
        200,
        result["score"],
        result["submitted_at"],
    )
    # After submit: refused, with a clear error, and the row is unchanged.
    status, out = save(a, token, items[0]["qv"], "a", 10)
    assert (status, out["code"]) == (409, "exams.attempt.submitted")
    assert out["message"] == "Bài đã nộp; không sửa được câu trả lời."
    assert AttemptAnswer.objects.get(attempt=a, position=0).response == "d"


def test_forged_other_attempt_other_device_and_ticket_tokens_are_refused(
    test, student_user, student2_user
):
    a = attempt_of(test, student_user)
    b = attempt_of(test, student2_user)
    token = start(a)[1]["token"]
    token_b = start(b, device="tablet-987654321")[1]["token"]
    qv = a.version.items[0]["qv"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    status, out = save(a, forged, qv, "a", 1)
    assert (status, out["code"], out["field"]) == (401, "exams.token.invalid", "token")
    assert out["message"] == "Mã làm bài không hợp lệ; hãy tải lại trang bài kiểm tra."
    # A token whose fields were changed to name this attempt (the MAC no longer matches).
    parts = token_b.split(".")
    parts[1] = str(a.pk)
    assert save(a, ".".join(parts), qv, "a", 1)[1]["code"] == "exams.token.invalid"
    # Student 2's own valid token, sent to student 1's attempt.
    status, out = save(a, token_b, qv, "a", 1, device="tablet-987654321")
    assert (status, out["code"]) == (403, "exams.token.other_attempt")
    # The right token from another device.
    status, out = save(a, token, qv, "a", 1, device="laptop-11111111")
    assert (status, out["code"]) == (401, "exams.token.invalid")
    # A start ticket is not an attempt token, and garbage is refused the same way.
    for bad in (live.ticket_for(a), "", "a.1.2", "a.x.y.z.w.v"):
        assert save(a, bad, qv, "a", 1)[:2][0] == 401
    # A ticket for another attempt does not start this one.
    status, out = call("POST", f"/exams/live/{a.pk}/start", ticket=live.ticket_for(b))
    assert (status, out["code"]) == (403, "exams.token.other_attempt")
    assert not AttemptAnswer.objects.filter(attempt__in=[a, b]).exists()


def test_expired_token_and_time_up_in_the_database(test, student_user):
    a = attempt_of(test, student_user)
    token = start(a)[1]["token"]
    qv = a.version.items[0]["qv"]
    expired = live.sign(
        "a",
        attempt=a.pk,
        person=student_user.person_id,
        version=a.version_id,
        expires=timezone.now() - dt.timedelta(seconds=1),
        device=DEVICE,
    )
    status, out = save(a, expired, qv, "a", 1)
    assert (status, out["code"]) == (409, "exams.token.expired")
    assert out["message"] == "Đã hết giờ làm bài; câu trả lời này không được lưu."
    # The token is still valid but the database says the time is up: the SQL guard refuses.
    Attempt.objects.filter(pk=a.pk).update(deadline=timezone.now() - GRACE - dt.timedelta(1))
    status, out = save(a, token, qv, "a", 1)
    assert (status, out["code"]) == (409, "exams.attempt.time_up")
    assert not AttemptAnswer.objects.filter(attempt=a).exists()


def test_teacher_device_reset_disables_the_old_token(test, student_user, teacher):
    a = attempt_of(test, student_user)
    old = start(a)[1]["token"]
    status, out = start(a, device="laptop-22222222")
    assert (status, out["code"]) == (409, "exams.attempt.other_device")
    services.attempt_device_reset(actor=teacher, attempt=a)
    status, state = start(a, device="laptop-22222222")
    assert status == 200 and state["token"] != old
    qv = a.version.items[0]["qv"]
    status, out = save(a, old, qv, "a", 1)  # the MAC is right, the database says no
    assert (status, out["code"]) == (409, "exams.attempt.other_device")
    assert save(a, state["token"], qv, "b", 2, device="laptop-22222222")[0] == 200
    assert AttemptAnswer.objects.get(attempt=a).response == "b"


def test_bad_requests(test, student_user):
    a = attempt_of(test, student_user)
    token = start(a)[1]["token"]
    outside = QuestionVersion.objects.exclude(pk__in=[i["qv"] for i in a.version.items]).first()
    status, out = save(a, token, outside.pk, "a", 1)
    assert (status, out["code"]) == (400, "exams.answer.not_in_version")
    qv = a.version.items[0]["qv"]
    for seq in (0, "1", True, None):
        assert save(a, token, qv, "a", seq)[1]["code"] == "exams.answer.seq"
    assert save(a, token, qv, ["not", "a", "single"], 1)[1]["code"] == "exams.answer.shape"
    status, out = call("GET", f"/exams/live/{a.pk}/answers/{qv}", token=token)
    assert (status, out["code"]) == (405, "exams.live.method")
    assert call("POST", "/exams/live/nope/start")[0] == 404
    assert not AttemptAnswer.objects.filter(attempt=a).exists()
    assert Attempt.objects.get(pk=a.pk).status == AttemptStatus.STARTED


def test_the_wsgi_dispatcher_serves_live_routes_before_django(test, student_user):
    from edudx.wsgi import application  # noqa: PLC0415

    a = attempt_of(test, student_user)

    def wsgi(method, path, headers, body=b""):
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
        }
        seen = {}

        def start_response(status, hdrs):
            seen["status"], seen["headers"] = status, dict(hdrs)

        out = b"".join(application(environ, start_response))
        return seen["status"], seen["headers"], json.loads(out)

    status, headers, state = wsgi(
        "POST",
        f"/exams/live/{a.pk}/start",
        {"X-Exam-Ticket": live.ticket_for(a), "X-Device-Token": DEVICE},
    )
    assert status == "200 OK" and headers["Cache-Control"] == "no-store"
    qv = state["paper"]["questions"][1]["qv"]
    body = json.dumps({"response": "c", "seq": 4}).encode()
    status, _, out = wsgi(
        "PUT",
        f"/exams/live/{a.pk}/answers/{qv}",
        {"X-Attempt-Token": state["token"], "X-Device-Token": DEVICE},
        body,
    )
    assert (status, out["position"], out["stored"]) == ("200 OK", 1, True)
    assert AttemptAnswer.objects.filter(attempt=a).values_list("position", "response", "seq")[
        0
    ] == (1, "c", 4)
    status, _, out = wsgi("PUT", f"/exams/live/{a.pk}/answers/{qv}", {}, b"x" * (70 * 1024))
    assert status == "413 Payload Too Large"
    # In English when asked (take.js sends the page's language).
    status, _, out = wsgi(
        "PUT",
        f"/exams/live/{a.pk}/answers/{qv}",
        {
            "X-Attempt-Token": state["token"] + "x",
            "X-Device-Token": DEVICE,
            "Accept-Language": "en",
        },
        body,
    )
    assert (status, out["message"]) == (
        "401 Unauthorized",
        "Invalid test key; reload the test page.",
    )


def test_my_attempts_api_gives_the_start_ticket(test, student_user):
    a = attempt_of(test, student_user)
    r = token_client(student_user).get(f"{API}/exams/my/attempts")
    assert r.status_code == 200
    (row,) = [x for x in r.json() if x["attempt"] == a.pk]
    assert row["ticket"] == live.ticket_for(a)
    status, state = call("POST", f"/exams/live/{a.pk}/start", ticket=row["ticket"])
    assert status == 200 and state["status"] == "started"


def test_waiting_room_clock_counts_down_without_writing(test, student_user):
    """Before the window the page asks the clock (ticket only, no write) and waits; start
    is refused with the opening time and the attempt stays ready."""
    opens = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=10)
    type(test).objects.filter(pk=test.pk).update(opens_at=opens)
    services.papers_forget()  # the per-process timing cache
    a = attempt_of(test, student_user)
    assert services.waiting_room_clock(test.pk, now=opens - dt.timedelta(seconds=61.5)) == {
        "server_now": opens - dt.timedelta(seconds=61.5),
        "opens_at": opens,
        "closes_at": test.closes_at,
        "seconds_to_open": 62,
        "open": False,
    }
    assert services.waiting_room_clock(test.pk, now=opens)["open"] is True
    assert services.waiting_room_clock(test.pk, now=opens)["seconds_to_open"] == 0

    status, body = call("GET", f"/exams/live/{a.pk}/clock", ticket=live.ticket_for(a))
    assert status == 200
    assert (body["open"], body["opens_at"]) == (False, opens.isoformat().replace("+00:00", "Z"))
    assert 598 <= body["seconds_to_open"] <= 600
    status, body = start(a)
    assert (status, body["code"]) == (409, "exams.attempt.not_open")
    a.refresh_from_db()
    assert (a.status, a.started_at, a.device_token) == (AttemptStatus.READY, None, "")

    status, body = call("GET", f"/exams/live/{a.pk}/clock", ticket="t.1.2.3.4.5.forged")
    assert (status, body["code"]) == (401, "exams.token.invalid")
    status, body = call("POST", f"/exams/live/{a.pk}/clock", ticket=live.ticket_for(a))
    assert (status, body["code"]) == (405, "exams.live.method")
