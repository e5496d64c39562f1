from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("attendance/", views.attendance_view, name="attendance"),
    path("attendance/<int:class_id>/summary/", views.summary_view, name="summary"),
    path(
        "students/<int:student_id>/attendance/",
        views.student_attendance_view,
        name="student_attendance",
    ),
    path("leave/", views.leave_view, name="leave"),
]
