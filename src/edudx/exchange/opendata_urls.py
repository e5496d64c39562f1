from django.urls import path, register_converter

from . import opendata_views as views


class FormatConverter:
    regex = "csv|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "fmt")

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalog.jsonld", views.catalogue, name="catalogue"),
    path("edudx-<slug:slug>.<fmt:fmt>", views.download, name="download"),
    path("<slug:slug>/", views.detail, name="detail"),
]
