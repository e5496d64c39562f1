from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("<int:notification_id>/open/", views.open_view, name="open"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("push/key/", views.push_key_view, name="push_key"),
    path("push/subscribe/", views.push_subscribe_view, name="push_subscribe"),
]
