from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "edudx.exchange"
    label = "exchange"
