from django.urls import path

from . import views

app_name = "office"

urlpatterns = [
    path("", views.incoming_view, name="incoming"),
    path("incoming/new/", views.incoming_new_view, name="incoming_new"),
    path("incoming/export.csv", views.incoming_export_view, name="incoming_export"),
    path("incoming/<int:document_id>/", views.incoming_detail_view, name="incoming_detail"),
    path(
        "incoming/<int:document_id>/file.pdf",
        views.incoming_attachment_view,
        name="incoming_attachment",
    ),
    path("outgoing/", views.outgoing_view, name="outgoing"),
    path("outgoing/new/", views.outgoing_new_view, name="outgoing_new"),
    path("outgoing/export.csv", views.outgoing_export_view, name="outgoing_export"),
    path("outgoing/<int:document_id>/", views.outgoing_detail_view, name="outgoing_detail"),
    path(
        "outgoing/<int:document_id>/file.pdf",
        views.outgoing_attachment_view,
        name="outgoing_attachment",
    ),
    path("dossiers/", views.dossiers_view, name="dossiers"),
    path("dossiers/<int:dossier_id>/", views.dossier_detail_view, name="dossier_detail"),
    path("summary/", views.summary_view, name="summary"),
]
