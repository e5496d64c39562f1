"""The committed schema is the API's contract: a change to it must be deliberate."""

import io
import re
from pathlib import Path

from django.core.management import call_command
from django.test import Client

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REFRESH = (
    "edudx export_openapi_schema --api edudx.api.api --indent 2 --sorted --output docs/openapi.json"
)


def test_committed_openapi_schema_is_current():
    out = io.StringIO()
    call_command("export_openapi_schema", api="edudx.api.api", indent=2, sort_keys=True, stdout=out)
    assert out.getvalue().strip() == SCHEMA.read_text().strip(), (
        f"The API changed; if that is deliberate, run `{REFRESH}` and commit docs/openapi.json."
    )


def test_schema_documents_every_resource():
    paths = set(__import__("json").loads(SCHEMA.read_text())["paths"])
    assert paths == {
        "/api/v1/admissions/applications/{code}",
        "/api/v1/admissions/applications/{code}/confirm",
        "/api/v1/admissions/rounds",
        "/api/v1/admissions/rounds/{round_id}",
        "/api/v1/admissions/rounds/{round_id}/allocate",
        "/api/v1/admissions/rounds/{round_id}/applications",
        "/api/v1/admissions/rounds/{round_id}/counts",
        "/api/v1/assets/items",
        "/api/v1/assets/items/{item_id}",
        "/api/v1/assets/items/{item_id}/dispose",
        "/api/v1/assets/rooms",
        "/api/v1/assets/rooms/{room_id}",
        "/api/v1/assignments/{assignment_id}",
        "/api/v1/assignments/{assignment_id}/gradebook",
        "/api/v1/assignments/{assignment_id}/submissions",
        "/api/v1/attachments",
        "/api/v1/attendance/classes/{class_id}/summary",
        "/api/v1/attendance/classes/{class_id}/{day}/{session}",
        "/api/v1/calendar/days",
        "/api/v1/calendar/days/{day}",
        "/api/v1/classes",
        "/api/v1/classes/{class_id}",
        "/api/v1/classes/{class_id}/transcripts",
        "/api/v1/contact/children",
        "/api/v1/contact/feedback",
        "/api/v1/contact/feedback/summary",
        "/api/v1/contact/feedback/track",
        "/api/v1/contact/feedback/{feedback_id}/answer",
        "/api/v1/contact/feedback/{feedback_id}/rating",
        "/api/v1/contact/messages",
        "/api/v1/contact/notices",
        "/api/v1/contact/notices/{notice_id}",
        "/api/v1/contact/notices/{notice_id}/read",
        "/api/v1/contact/notices/{notice_id}/receipts",
        "/api/v1/contact/students/{student_id}",
        "/api/v1/contact/students/{student_id}/leave-requests",
        "/api/v1/contact/threads",
        "/api/v1/contact/threads/{thread_id}",
        "/api/v1/contact/threads/{thread_id}/messages",
        "/api/v1/content/coverage",
        "/api/v1/curriculum/topics",
        "/api/v1/dossiers",
        "/api/v1/dossiers/status",
        "/api/v1/dossiers/{code}/rating",
        "/api/v1/dossiers/{code}/transitions",
        "/api/v1/duplicates",
        "/api/v1/enrolments/changes",
        "/api/v1/exams/answers/{answer_id}/grade",
        "/api/v1/exams/attempts/{attempt_id}/answers/{question_version_id}",
        "/api/v1/exams/attempts/{attempt_id}/device-reset",
        "/api/v1/exams/attempts/{attempt_id}/start",
        "/api/v1/exams/attempts/{attempt_id}/submit",
        "/api/v1/exams/matrices",
        "/api/v1/exams/matrices/{matrix_id}",
        "/api/v1/exams/my/attempts",
        "/api/v1/exams/papers",
        "/api/v1/exams/papers/{paper_id}",
        "/api/v1/exams/papers/{paper_id}/versions/{code}/pdf",
        "/api/v1/exams/questions",
        "/api/v1/exams/questions/export",
        "/api/v1/exams/questions/import",
        "/api/v1/exams/questions/{question_id}",
        "/api/v1/exams/tests",
        "/api/v1/exams/tests/{test_id}",
        "/api/v1/exams/tests/{test_id}/analysis",
        "/api/v1/exams/tests/{test_id}/push",
        "/api/v1/exams/tests/{test_id}/results",
        "/api/v1/fees/bank-accounts",
        "/api/v1/fees/bank-accounts/{account_id}",
        "/api/v1/fees/bank-webhook",
        "/api/v1/fees/banks",
        "/api/v1/fees/invoices",
        "/api/v1/fees/invoices/generate",
        "/api/v1/fees/invoices/{invoice_id}",
        "/api/v1/fees/invoices/{invoice_id}/cancel",
        "/api/v1/fees/items",
        "/api/v1/fees/items/{item_id}",
        "/api/v1/fees/payments",
        "/api/v1/fees/refunds",
        "/api/v1/fees/statements",
        "/api/v1/fees/unmatched",
        "/api/v1/fees/unmatched/{line_id}/assign",
        "/api/v1/fees/unmatched/{line_id}/ignore",
        "/api/v1/iot/devices",
        "/api/v1/iot/devices/{device_id}",
        "/api/v1/iot/devices/{device_id}/readings",
        "/api/v1/iot/incidents",
        "/api/v1/iot/incidents/{incident_id}/acknowledge",
        "/api/v1/iot/readings",
        "/api/v1/leave-requests",
        "/api/v1/leave-requests/{leave_id}/decision",
        "/api/v1/lessons/{lesson_id}",
        "/api/v1/lessons/{lesson_id}/cartridge",
        "/api/v1/marks/change-requests",
        "/api/v1/marks/classes/{class_id}/change-requests/{change_id}/decision",
        "/api/v1/marks/classes/{class_id}/subjects/{subject_id}/terms/{term}",
        "/api/v1/marks/classes/{class_id}/terms/{term}/approval",
        "/api/v1/monitoring/alerts",
        "/api/v1/monitoring/dx/published",
        "/api/v1/monitoring/dx/{unit_id}/{year}",
        "/api/v1/monitoring/indicators",
        "/api/v1/monitoring/reports",
        "/api/v1/monitoring/reports/{unit_id}/{year}",
        "/api/v1/monitoring/reports/{unit_id}/{year}/review",
        "/api/v1/monitoring/reports/{unit_id}/{year}/submit",
        "/api/v1/monitoring/values",
        "/api/v1/notifications",
        "/api/v1/notifications/preferences",
        "/api/v1/notifications/push-subscriptions",
        "/api/v1/notifications/read",
        "/api/v1/open-data/datasets",
        "/api/v1/open-data/datasets/{slug}",
        "/api/v1/open-data/datasets/{slug}/rows",
        "/api/v1/office/dossiers",
        "/api/v1/office/dossiers/{dossier_id}/close",
        "/api/v1/office/dossiers/{dossier_id}/documents",
        "/api/v1/office/incoming",
        "/api/v1/office/incoming/{document_id}",
        "/api/v1/office/incoming/{document_id}/assign",
        "/api/v1/office/incoming/{document_id}/attachment",
        "/api/v1/office/incoming/{document_id}/done",
        "/api/v1/office/outgoing",
        "/api/v1/office/outgoing/{document_id}",
        "/api/v1/office/outgoing/{document_id}/attachment",
        "/api/v1/office/outgoing/{document_id}/pdf",
        "/api/v1/office/outgoing/{document_id}/sign",
        "/api/v1/office/outgoing/{document_id}/seal",
        "/api/v1/office/verify",
        "/api/v1/office/summary",
        "/api/v1/online-classes",
        "/api/v1/online-classes/{class_id}/assignments",
        "/api/v1/online-classes/{class_id}/cartridge",
        "/api/v1/online-classes/{class_id}/course-cartridge",
        "/api/v1/online-classes/{class_id}/lessons",
        "/api/v1/online-classes/{class_id}/live-sessions",
        "/api/v1/persons/merge",
        "/api/v1/procedures",
        "/api/v1/procedures/{code}",
        "/api/v1/resources",
        "/api/v1/resources/{resource_id}",
        "/api/v1/resources/{resource_id}/comments",
        "/api/v1/resources/{resource_id}/download",
        "/api/v1/resources/{resource_id}/publish",
        "/api/v1/resources/{resource_id}/ratings",
        "/api/v1/resources/{resource_id}/review",
        "/api/v1/resources/{resource_id}/resubmit",
        "/api/v1/results/classes/{class_id}",
        "/api/v1/results/classes/{class_id}/conduct/{term}",
        "/api/v1/results/classes/{class_id}/qualities/{term}",
        "/api/v1/schools",
        "/api/v1/schools/{school_id}",
        "/api/v1/staff",
        "/api/v1/staff/{staff_id}",
        "/api/v1/staff/changes",
        "/api/v1/students",
        "/api/v1/students/{student_id}",
        "/api/v1/students/changes",
        "/api/v1/students/{student_id}/attendance",
        "/api/v1/students/{student_id}/marks",
        "/api/v1/students/{student_id}/transcripts",
        "/api/v1/students/{student_id}/transfer",
        "/api/v1/subjects",
        "/api/v1/submissions/{submission_id}/grade",
        "/api/v1/training/courses",
        "/api/v1/training/courses/{course_id}",
        "/api/v1/training/courses/{course_id}/enrolments",
        "/api/v1/training/enrolments/{enrolment_id}/attempts",
        "/api/v1/training/enrolments/{enrolment_id}/certificate",
        "/api/v1/training/profile",
        "/api/v1/transcripts/countersign",
        "/api/v1/transcripts/verify",
        "/api/v1/transcripts/{transcript_id}",
        "/api/v1/transcripts/{transcript_id}/countersign",
        "/api/v1/transcripts/{transcript_id}/json",
        "/api/v1/transcripts/{transcript_id}/pdf",
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
        "/api/v1/units/{unit_id}/dissolve",
        "/api/v1/units/{unit_id}/reparent",
    }


def test_docs_page_loads_nothing_from_a_cdn(db):
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    for asset in assets:
        assert Client().get(asset).status_code == 200, asset


def test_openapi_json_is_served(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "EduDX API"
