"""The built-in alert rules (iot.rules.DEFAULT_RULES), for every school (unit null)."""

from django.db import migrations

from edudx.iot.rules import builtin_rules_ensure


def load(apps, schema_editor):
    builtin_rules_ensure(apps.get_model("iot", "Rule"))


def unload(apps, schema_editor):
    apps.get_model("iot", "Rule").objects.filter(unit=None).delete()


class Migration(migrations.Migration):
    dependencies = [("iot", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
