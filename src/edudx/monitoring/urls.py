from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export.<str:fmt>", views.dashboard_export_view, name="export"),
    path("map.geojson", views.map_view, name="map"),
    path("leaflet/<str:name>", views.leaflet_view, name="leaflet"),
    path("report/", views.report_view, name="report"),
    path("consolidated/", views.consolidated_view, name="consolidated"),
    path("dx/", views.dx_view, name="dx"),
    path("dx/public/", views.dx_public_view, name="dx_public"),
    path("forecast/", views.forecast_view, name="forecast"),
    path("risk/", views.risk_view, name="risk"),
]
