"""The public check of signed outgoing documents (no sign-in), under /verify/documents/."""

from django.urls import path

from . import views_verify

urlpatterns = [
    path("", views_verify.verify_view, name="document_verify"),
    path("<uuid:source_id>/", views_verify.verify_view, name="document_verify_id"),
]
