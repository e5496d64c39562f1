import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edudx.settings")
_django = get_wsgi_application()

# The exam-taking hot path (/exams/live/…) is served before Django's middleware and URL
# resolver; everything else goes to Django (edudx.exams.live).
from edudx.exams.live import wsgi_app  # noqa: E402

application = wsgi_app(_django)
