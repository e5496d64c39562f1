from django.urls import path

from . import views

app_name = "assets"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("summary/", views.summary_view, name="summary"),
    path("items/", views.items_view, name="items"),
    path("items/export.csv", views.export_view, name="export"),
    path("items/new/", views.item_new_view, name="item_new"),
    path("items/<int:item_id>/", views.item_view, name="item"),
    path("items/<int:item_id>/dispose/", views.item_dispose_view, name="item_dispose"),
    path("rooms/", views.rooms_view, name="rooms"),
    path("rooms/<int:room_id>/", views.room_view, name="room"),
    path("checks/", views.checks_view, name="checks"),
    path("checks/<int:check_id>/", views.check_view, name="check"),
    path("checks/<int:check_id>/rooms/<str:room_key>/", views.check_room_view, name="check_room"),
]
