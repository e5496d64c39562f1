"""The yearly report asks whether the school's Internet line is fibre (the fact
`internet_fibre`, T23): added to the templates of years already created."""

from django.db import migrations

FIBRE = {
    "key": "internet_fibre",
    "title": "Trường kết nối Internet bằng cáp quang",
    "kind": "yesno",
    "unit": "",
}


def add_fibre(apps, schema_editor):
    ReportTemplate = apps.get_model("monitoring", "ReportTemplate")
    for t in ReportTemplate.objects.all():
        if not any(f.get("key") == FIBRE["key"] for f in t.facts):
            t.facts = [*t.facts, dict(FIBRE)]
            t.save(update_fields=["facts"])


def drop_fibre(apps, schema_editor):
    ReportTemplate = apps.get_model("monitoring", "ReportTemplate")
    for t in ReportTemplate.objects.all():
        kept = [f for f in t.facts if f.get("key") != FIBRE["key"]]
        if kept != t.facts:
            t.facts = kept
            t.save(update_fields=["facts"])


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_report_facts")]

    operations = [migrations.RunPython(add_fibre, drop_fibre)]
