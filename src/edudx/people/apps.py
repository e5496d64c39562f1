from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "edudx.people"
    label = "people"
