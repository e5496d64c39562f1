from django.urls import path

from . import views

app_name = "learning"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("c/<int:class_id>/", views.class_view, name="class"),
    path("c/<int:class_id>/cartridge/", views.class_cartridge_view, name="class_cartridge"),
    path("c/<int:class_id>/resources/", views.resource_picker_view, name="resource_picker"),
    path("lessons/<int:lesson_id>/edit/", views.lesson_edit_view, name="lesson_edit"),
    path("a/<int:assignment_id>/", views.assignment_view, name="assignment"),
    path(
        "a/<int:assignment_id>/attachments/<int:attachment_id>/",
        views.attachment_view,
        name="attachment",
    ),
    path("s/<int:submission_id>/file/", views.submission_file_view, name="submission_file"),
    path("training/", views.training_view, name="training"),
    path("training/courses/new/", views.course_create_view, name="course_create"),
    path("training/resources/", views.course_resource_picker_view, name="course_resource_picker"),
    path("training/courses/<int:course_id>/edit/", views.course_edit_view, name="course_edit"),
    path(
        "training/certificates/<int:enrolment_id>/",
        views.certificate_view,
        name="certificate",
    ),
]
