from django.urls import path

from . import views

app_name = "iot"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("schools/<int:school_id>/", views.school_view, name="school"),
    path("devices/<int:device_pk>/", views.device_view, name="device"),
    path("incidents/", views.incidents_view, name="incidents"),
    path(
        "incidents/<int:incident_pk>/acknowledge/",
        views.incident_acknowledge_view,
        name="incident_acknowledge",
    ),
    path("rules/", views.rules_view, name="rules"),
    path("rules/<int:rule_pk>/", views.rule_edit_view, name="rule_edit"),
]
