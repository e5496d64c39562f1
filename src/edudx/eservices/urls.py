from django.urls import path

from . import views

app_name = "eservices"

urlpatterns = [
    path("", views.procedure_list, name="index"),
    path("procedures/<str:code>/", views.dossier_new, name="dossier_new"),
    path("dossiers/<str:code>/", views.dossier_detail, name="dossier"),
    path("dossiers/<str:code>/result.pdf", views.dossier_result, name="dossier_result"),
    path("lookup/", views.lookup, name="lookup"),
    path("mine/", views.mine, name="mine"),
    path("officer/", views.officer_queue, name="queue"),
    path("admissions/", views.admission_rounds, name="admissions"),
    path("admissions/<int:round_id>/apply/", views.admission_apply, name="admission_apply"),
    path("admissions/result/", views.admission_result, name="admission_result"),
    path("admissions/<int:round_id>/counts/", views.admission_counts, name="admission_counts"),
    path("admissions/manage/", views.rounds_manage, name="rounds_manage"),
    path("admissions/new/", views.round_edit, name="round_new"),
    path("admissions/<int:round_id>/edit/", views.round_edit, name="round_edit"),
    path("calendar/", views.calendar_manage, name="calendar_manage"),
    # Benchmark floor (benchmarks/admissions_spike.py); 404 unless EDUDX_ESERVICES_BENCH=1.
    path("bench/insert/", views.bench_insert, name="bench_insert"),
]
