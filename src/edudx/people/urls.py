from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("students/", views.student_list_view, name="student_list"),
    path("students/<int:student_id>/", views.student_detail, name="student_detail"),
    path("staff/", views.staff_list_view, name="staff_list"),
]
