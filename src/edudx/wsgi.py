import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
_django = get_wsgi_application()

# The exam-taking hot path (/exams/live/…) is served before Django's middleware and URL
# resolver (edudx.exams.live); submissions pass the admissions gate, where an anonymous
# application may take the hot path (edudx.eservices.wsgi_gate, .live); everything else
# goes to Django.
from edudx.eservices.wsgi_gate import gated  # noqa: E402
from edudx.exams.live import wsgi_app  # noqa: E402

application = wsgi_app(gated(_django))
