from django.db import migrations


def load(apps, schema_editor):
    from edudx.eservices.catalogue import catalogue_load

    catalogue_load(apps.get_model("eservices", "Procedure"), apps.get_model("eservices", "PriorityCategory"))


class Migration(migrations.Migration):
    dependencies = [("eservices", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
