"""The built-in alert rules (iot.rules.DEFAULT_RULES), for every school (unit null)."""

from django.db import migrations

from edudx.iot.rules import DEFAULT_RULES


def load(apps, schema_editor):
    Rule = apps.get_model("iot", "Rule")
    for spec in DEFAULT_RULES:
        Rule.objects.get_or_create(unit=None, metric=spec["metric"], comparison=spec["comparison"],
                                   defaults=spec)  # fmt: skip


def unload(apps, schema_editor):
    apps.get_model("iot", "Rule").objects.filter(unit=None).delete()


class Migration(migrations.Migration):
    dependencies = [("iot", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
