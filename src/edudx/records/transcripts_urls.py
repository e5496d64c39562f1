"""The public verification page of transcripts (no login): /verify/ and /verify/<reference>/,
the address printed in every transcript's QR code."""

from django.urls import path

from . import views_transcripts

urlpatterns = [
    path("", views_transcripts.verify_view, name="transcript_verify"),
    path("<str:reference>/", views_transcripts.verify_view, name="transcript_verify_reference"),
]
