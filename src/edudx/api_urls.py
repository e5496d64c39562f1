from django.urls import path

from edudx.api import api

urlpatterns = [path("", api.urls)]
