from django.urls import path

from . import views, views_transcripts

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
    path("marks/", views.marks_view, name="marks"),
    path("marks/export/", views.marks_export_view, name="marks_export"),
    path("marks/changes/", views.mark_changes_view, name="mark_changes"),
    path("marks/lock/<int:class_id>/<int:term>/", views.marks_lock_view, name="marks_lock"),
    path("students/<int:student_id>/marks/", views.student_marks_view, name="student_marks"),
    path("marks/results/<int:class_id>/", views.class_results_view, name="class_results"),
    path(
        "marks/qualities/<int:class_id>/<int:term>/",
        views.qualities_view,
        name="qualities",
    ),
    path(
        "students/<int:student_id>/transcripts/",
        views_transcripts.student_transcripts_view,
        name="student_transcripts",
    ),
    path(
        "transcripts/<int:transcript_id>/pdf/",
        views_transcripts.transcript_pdf_view,
        name="transcript_pdf",
    ),
    path(
        "transcripts/<int:transcript_id>/json/",
        views_transcripts.transcript_json_view,
        name="transcript_json",
    ),
]
