from django.urls import path

from . import views

app_name = "contact"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("sw.js", views.service_worker_view, name="sw"),
    path("manifest.webmanifest", views.manifest_view, name="manifest"),
    path("students/<int:student_id>/", views.student_view, name="student"),
    path("classes/<int:class_id>/", views.class_view, name="class"),
    path("notices/", views.notices_view, name="notices"),
    path("notices/new/", views.notice_new_view, name="notice_new"),
    path("notices/<int:notice_id>/", views.notice_view, name="notice"),
    path("messages/", views.threads_view, name="threads"),
    path("messages/new/", views.thread_start_view, name="thread_start"),
    path("messages/<int:thread_id>/", views.thread_view, name="thread"),
    path("settings/", views.settings_view, name="settings"),
    path("feedback/", views.feedback_new_view, name="feedback_new"),
    path("feedback/track/", views.feedback_track_view, name="feedback_track"),
    path("feedback/inbox/", views.feedback_inbox_view, name="feedback_inbox"),
    path("feedback/inbox/<int:feedback_id>/", views.feedback_handle_view, name="feedback_handle"),
]
