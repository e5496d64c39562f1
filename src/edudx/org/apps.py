from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "edudx.org"
    label = "org"
