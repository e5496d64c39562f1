from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "edudx.accounts"
    label = "accounts"
