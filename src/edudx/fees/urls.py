from django.urls import path

from . import views

app_name = "fees"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("items/", views.items_view, name="items"),
    path("invoices/", views.invoices_view, name="invoices"),
    path("invoices/<int:invoice_id>/", views.invoice_detail_view, name="invoice_detail"),
    path("receipts/<int:receipt_id>/", views.receipt_view, name="receipt"),
    path("payments/", views.payments_view, name="payments"),
    path("statements/", views.statements_view, name="statements"),
    path("unmatched/", views.unmatched_view, name="unmatched"),
    path("reports/", views.reports_view, name="reports"),
    path("reports/export.<str:fmt>", views.reports_export_view, name="reports_export"),
    path("accounts/", views.accounts_view, name="accounts"),
]
