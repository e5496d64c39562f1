"""On a 360 px phone a student takes a test, loses the network for a few answers (Playwright
offline mode), gets it back, submits, and the score is right: the queued answers were
replayed and nothing was lost or overwritten by an older replay.

Like tests/records/test_marks_browser.py, Chromium is driven from a worker thread (the
session's Playwright loop holds the main thread) and the database is checked here."""

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from edudx.exams import services
from edudx.exams.models import Attempt, AttemptAnswer, QuestionVersion
from edudx.org import services as org_services
from edudx.records import services as records_services
from edudx.records.curriculum import curriculum_load, read_curriculum
from edudx.records.models import CurriculumSubject, Subject
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    login,
    no_horizontal_overflow,
    require_chromium,
    screenshot,
)

from .conftest import bank

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def drive(base, username, plan) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {"errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
        page.on("dialog", lambda d: d.accept())
        login(page, base, username)
        page.goto(f"{base}/exams/my/")
        page.click("text=Làm bài")
        page.wait_for_url(re.compile(r"/exams/attempts/\d+/"))
        page.wait_for_selector("fieldset.q-box >> nth=5")
        # The same attempt opened on a second device (its own storage, so its own device
        # token) is refused: the reason shows and there is no "Nộp bài" button to press.
        other = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        second = other.new_page()
        login(second, base, username)
        second.goto(page.url)
        second.wait_for_selector("#exam-error:not([hidden])")
        seen["other_device"] = second.inner_text("#exam-error")
        seen["other_device_submit"] = second.is_visible("#exam-submit")
        seen["first_device_submit"] = page.is_visible("#exam-submit")
        other.close()

        def pick(qv, value):
            page.check(f"input[name=q{qv}][value={value}]")

        singles = plan["singles"]
        pick(singles[0], "a")
        page.wait_for_selector("#exam-save.exam-saved")
        context.set_offline(True)
        pick(singles[1], "b")  # first a wrong answer …
        pick(singles[1], "a")  # … then the right one: the newer seq must win on replay
        pick(singles[2], "a")
        pick(singles[3], "c")  # wrong
        # Class and text read together: a periodic retry may start ("Đang lưu…") at any time.
        seen["offline_text"] = page.wait_for_function(
            "() => { const e = document.querySelector('#exam-save');"
            " return e.className === 'exam-offline' && e.textContent; }"
        ).json_value()
        seen["offline_screenshot"] = str(screenshot(page, "exam-offline-360"))
        context.set_offline(False)
        page.wait_for_selector("#exam-save.exam-saved", timeout=20000)
        tf = plan["tf4"]
        for sid, value in (("a", "1"), ("b", "0"), ("c", "1"), ("d", "0")):  # 3 of 4 right
            page.check(f"input[name=q{tf}-{sid}][value='{value}']")
        page.fill(f"input[name=q{plan['short']}]", "2,5")
        page.locator(f"input[name=q{plan['short']}]").blur()
        page.wait_for_timeout(900)  # the text debounce
        page.wait_for_selector("#exam-save.exam-saved")
        seen["no_overflow"] = no_horizontal_overflow(page)
        page.click("#exam-submit")
        page.wait_for_selector("#exam-result:not([hidden])", timeout=20000)
        seen["result"] = page.inner_text("#exam-result")
        screenshot(page, "exam-submitted-360")
        browser.close()
    return seen


def test_student_takes_a_test_offline_for_a_while_and_the_score_is_right(
    live_server, district, student_user
):
    require_chromium()
    if not Subject.objects.filter(code="toan").exists():
        curriculum_load(
            read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject
        )
    maths = Subject.objects.get(code="toan")
    teacher = district.teacher_user()
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher,
        name="M",
        subject_id=maths.pk,
        grade=6,
        cells=[
            {"topic": "phan-so", "level": "nb", "count": 2, "points": "1"},
            {"topic": "phan-so", "level": "th", "count": 2, "points": "1"},
            {"topic": "phan-so", "level": "vd", "count": 1, "points": "1", "kind": "tf4"},
            {"topic": "phan-so", "level": "vd", "count": 1, "points": "1", "kind": "short"},
        ],
    )
    paper = services.paper_generate(
        actor=teacher, matrix=matrix, title="Đề 6 câu", versions=1, seed=5
    )
    now = timezone.now()
    test = services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=district.class_a,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=1),
        duration_minutes=30,
    )
    student_user.save(update_fields=["password"])  # the factory does not persist it
    items = paper.versions.get().items
    kinds = QuestionVersion.objects.in_bulk([i["qv"] for i in items])
    plan = {
        "singles": [i["qv"] for i in items if kinds[i["qv"]].kind == "single"],
        "tf4": next(i["qv"] for i in items if kinds[i["qv"]].kind == "tf4"),
        "short": next(i["qv"] for i in items if kinds[i["qv"]].kind == "short"),
    }
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(drive, live_server.url, student_user.username, plan).result(timeout=180)
    attempt = Attempt.objects.get(test=test, person_id=student_user.person_id)
    # 3 singles right (3) + tf4 3/4 (0.5) + short (1) = 4.5 of 6.
    assert (attempt.status, attempt.score, attempt.max_score) == (
        "submitted",
        Decimal("4.50"),
        Decimal("6.00"),
    )
    assert seen["result"] == "Đã nộp bài. Điểm: 4,50 / 6,00."
    assert seen["other_device"] == (
        "Bài làm này đang mở trên một thiết bị khác. Hãy tiếp tục trên thiết bị đó, hoặc "
        "nhờ giáo viên cho phép đổi thiết bị."
    )
    assert (seen["other_device_submit"], seen["first_device_submit"]) == (False, True)
    assert "Mất mạng" in seen["offline_text"]
    answers = {a.position: a.response for a in AttemptAnswer.objects.filter(attempt=attempt)}
    position = {i["qv"]: n for n, i in enumerate(items)}
    assert answers[position[plan["singles"][1]]] == "a"
    assert answers[position[plan["short"]]] == "2,5"
    assert seen["no_overflow"] is True
    assert [e for e in seen["errors"] if "Content Security Policy" in e] == []


def wait_then_start(base, username) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    seen: dict = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        login(page, base, username)
        page.goto(f"{base}/exams/my/")
        page.click("text=Vào phòng chờ")
        seen["countdown"] = page.wait_for_function(
            "() => { const t = document.querySelector('#exam-timer').textContent;"
            " return t.startsWith('Bài kiểm tra bắt đầu sau') && t; }"
        ).json_value()
        seen["questions_before"] = page.locator("fieldset.q-box").count()
        page.wait_for_selector("fieldset.q-box >> nth=0", timeout=20000)
        seen["timer_after"] = page.wait_for_function(
            "() => { const t = document.querySelector('#exam-timer').textContent;"
            " return t.startsWith('Còn lại') && t; }"
        ).json_value()
        seen["error_hidden"] = page.locator("#exam-error").is_hidden()
        browser.close()
    return seen


def test_the_page_waits_for_the_window_on_the_server_clock_and_starts_by_itself(
    live_server, district, student_user
):
    require_chromium()
    if not Subject.objects.filter(code="toan").exists():
        curriculum_load(
            read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject
        )
    teacher = district.teacher_user()
    bank(teacher, Subject.objects.get(code="toan"))
    matrix = services.matrix_create(
        actor=teacher,
        name="M",
        subject_id=Subject.objects.get(code="toan").pk,
        grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 2, "points": "1"}],
    )
    paper = services.paper_generate(actor=teacher, matrix=matrix, title="Đề", versions=1, seed=5)
    now = timezone.now()
    test = services.test_schedule(
        actor=teacher,
        paper=paper,
        class_group=district.class_a,
        opens_at=now + dt.timedelta(seconds=8),
        closes_at=now + dt.timedelta(hours=1),
        duration_minutes=30,
    )
    student_user.save(update_fields=["password"])  # the factory does not persist it
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(wait_then_start, live_server.url, student_user.username).result(
            timeout=120
        )
    attempt = Attempt.objects.get(test=test, person_id=student_user.person_id)
    assert re.fullmatch(r"Bài kiểm tra bắt đầu sau 0:0\d", seen["countdown"])
    assert seen["questions_before"] == 0
    assert re.fullmatch(r"Còn lại (30:00|29:5\d)", seen["timer_after"])
    assert seen["error_hidden"] is True
    assert attempt.status == "started" and attempt.started_at >= test.opens_at


def schedule_form(base, username, device) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 — only when needed

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="vi-VN")
        login(page, base, username, device)
        page.goto(f"{base}/exams/tests/")
        offered = page.eval_on_selector_all(
            "#t-class option", "os => os.filter(o => !o.disabled).map(o => o.textContent)"
        )
        seen = {
            "offered": offered,
            "chosen": page.eval_on_selector("#t-class", "s => s.selectedOptions[0].textContent"),
            "none_shown": page.is_visible("#t-class-none"),
            "no_overflow": no_horizontal_overflow(page),
        }
        browser.close()
    return seen


def test_the_schedule_form_offers_only_classes_of_the_papers_grade(live_server, district):
    """A teacher of 7A1 (grade 7) and 6A1 (grade 6) picks a grade-6 paper: 7A1 is not
    offered, 6A1 is chosen (the service would refuse a paper of another grade)."""
    require_chromium()
    if not Subject.objects.filter(code="toan").exists():
        curriculum_load(
            read_curriculum(), subject_model=Subject, curriculum_model=CurriculumSubject
        )
    maths = Subject.objects.get(code="toan")
    seventh = org_services.class_create(
        actor=None, school=district.school_a, school_year_code="2025-2026", name="7A1",
        grade_number=7,
    )  # fmt: skip
    for cls in (seventh, district.class_a):  # 7A1 first: it comes first unfiltered too
        records_services.subject_assign(
            actor=None, staff=district.teacher_a, subject=maths, class_group=cls
        )
    teacher = district.teacher_user()
    teacher.save(update_fields=["password"])
    device = TOTPDevice.objects.create(user=teacher, name="phone", confirmed=True)
    bank(teacher, maths)
    matrix = services.matrix_create(
        actor=teacher,
        name="M",
        subject_id=maths.pk,
        grade=6,
        cells=[{"topic": "phan-so", "level": "nb", "count": 2, "points": "1"}],
    )
    services.paper_generate(actor=teacher, matrix=matrix, title="Đề 15 phút", versions=1, seed=1)
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(schedule_form, live_server.url, teacher.username, device).result(
            timeout=120
        )
    assert seen == {
        "offered": ["6A1 · khối 6 · Trường THCS Lê Lợi"],
        "chosen": "6A1 · khối 6 · Trường THCS Lê Lợi",
        "none_shown": False,
        "no_overflow": True,
    }
