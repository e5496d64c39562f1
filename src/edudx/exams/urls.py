from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from . import live, views

app_name = "exams"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("import/", views.import_view, name="import"),
    path("questions/<int:question_id>/", views.question_view, name="question"),
    path("assets/<str:sha>/", views.asset_view, name="asset"),
    path("papers/", views.papers_view, name="papers"),
    path("tests/", views.tests_view, name="tests"),
    path("tests/<int:test_id>/", views.test_view, name="test"),
    path("my/", views.my_tests_view, name="my_tests"),
    path("attempts/<int:attempt_id>/", views.take_view, name="take"),
    # Served by edudx.wsgi before Django; this route is for the test server. Authenticated
    # by the signed headers of exams.live, never by cookies: nothing for CSRF to protect.
    path("live/<path:rest>", csrf_exempt(live.django_view), name="live"),
]
