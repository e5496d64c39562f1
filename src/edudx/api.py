"""The /api/v1 JSON API (django-ninja; OpenAPI at /api/v1/docs, Swagger UI from ninja's
bundled static files). Callers authenticate with a Django session (CSRF-checked; staff
roles must have passed TOTP) or with `Authorization: Bearer edx_<prefix>_<secret>`.

docs/openapi.json is the committed schema; refresh it after a deliberate API change with
`edudx export_openapi_schema --api edudx.api.api --indent 2 --sorted --output docs/openapi.json`
(tests/api/test_openapi.py fails until you do)."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from edudx.accounts.tokens import TokenAuth, VerifiedSessionAuth
from edudx.assets.api import router as assets_router
from edudx.contact.api import router as contact_router
from edudx.content.api import router as content_router
from edudx.core import api_errors
from edudx.eservices.api import router as eservices_router
from edudx.exams.api import router as exams_router
from edudx.exchange.api import router as exchange_router
from edudx.fees.api import router as fees_router
from edudx.iot.api import router as iot_router
from edudx.learning.api import router as learning_router
from edudx.monitoring.api import router as monitoring_router
from edudx.notify.api import router as notify_router
from edudx.office.api import router as office_router
from edudx.org.api import router as org_router
from edudx.org.api_tree import router as org_tree_router
from edudx.people.api import router as people_router
from edudx.people.api_dedup import router as dedup_router
from edudx.people.api_transfer import router as transfer_router
from edudx.records.api import router as records_router
from edudx.records.api_transcripts import router as transcripts_router

api = NinjaAPI(
    title="EduDX API",
    version="1",
    description=(
        "Org units, schools, classes, students and staff, scoped to the caller. "
        "Errors: {code, message, field, row} (plus errors[] for several); messages in "
        "Vietnamese, English with Accept-Language: en. POSTs accept an Idempotency-Key."
    ),
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
    auth=[TokenAuth(), VerifiedSessionAuth()],
    urls_namespace="api-v1",
)
api_errors.install(api)
api.add_router("", org_router)
api.add_router("", org_tree_router)
api.add_router("", people_router)
api.add_router("", dedup_router)
api.add_router("", transfer_router)
api.add_router("", records_router)
api.add_router("", transcripts_router)
api.add_router("", notify_router)
api.add_router("", contact_router)
api.add_router("", fees_router)
api.add_router("", eservices_router)
api.add_router("", content_router)
api.add_router("", learning_router)
api.add_router("", exams_router)
api.add_router("", exchange_router)
api.add_router("", assets_router)
api.add_router("", office_router)
api.add_router("", monitoring_router)
api.add_router("", iot_router)
