from django.urls import path

from . import views

app_name = "content"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("upload/", views.upload_view, name="upload"),
    path("mine/", views.mine_view, name="mine"),
    path("review/", views.review_view, name="review"),
    path("curriculum/", views.curriculum_view, name="curriculum"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("r/<int:resource_id>/", views.detail_view, name="detail"),
    path("r/<int:resource_id>/edit/", views.edit_view, name="edit"),
    path("r/<int:resource_id>/file/", views.file_view, name="file"),
    path("r/<int:resource_id>/download/", views.download_view, name="download"),
    path("sim/<str:token>/<path:name>", views.sim_view, name="sim"),
]
