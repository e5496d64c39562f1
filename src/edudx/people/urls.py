from django.urls import path

from . import views, views_dedup

app_name = "people"
urlpatterns = [
    path("students/", views.student_list_view, name="student_list"),
    path("students/<int:student_id>/", views.student_detail, name="student_detail"),
    path("staff/", views.staff_list_view, name="staff_list"),
    path("duplicates/", views_dedup.duplicates_view, name="duplicates"),
    path("duplicates/merge/", views_dedup.merge_view, name="merge"),
]
