from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template/<str:kind>.xlsx", views.template, name="template"),
    path("<uuid:source_id>/", views.result, name="result"),
]
