from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "edudx.demo"
    label = "demo"
