from django.urls import include, path

from edudx.accounts import views as account_views
from edudx.core import views as core_views

urlpatterns = [
    # First: the API's submission paths are the hot ones on admissions day (api_urls).
    path("api/v1/", include("edudx.api_urls")),
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon),
    path("i18n/setlang/", account_views.language_view, name="set_language"),
    path("accounts/", include("edudx.accounts.urls")),
    path("org/", include("edudx.org.urls")),
    path("people/", include("edudx.people.urls")),
    path("records/", include("edudx.records.urls")),
    path("import/", include("edudx.exchange.urls")),
    path("open-data/", include("edudx.exchange.opendata_urls")),
    # Before verify/<reference>/ (transcripts), which would take "documents" for a reference.
    path("verify/documents/", include("edudx.office.verify_urls")),
    path("verify/", include("edudx.records.transcripts_urls")),
    path("notifications/", include("edudx.notify.urls")),
    path("contact/", include("edudx.contact.urls")),
    path("fees/", include("edudx.fees.urls")),
    path("services/", include("edudx.eservices.urls")),
    path("content/", include("edudx.content.urls")),
    path("learning/", include("edudx.learning.urls")),
    path("exams/", include("edudx.exams.urls")),
    path("assets/", include("edudx.assets.urls")),
    path("office/", include("edudx.office.urls")),
    path("monitoring/", include("edudx.monitoring.urls")),
    path("iot/", include("edudx.iot.urls")),
]
