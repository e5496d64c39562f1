"""Load the topic trees shipped in content/data/*.csv (topics and learning outcomes of
CT GDPT 2018) under records' curriculum table. `edudx load_topics` reloads them later."""

from django.db import migrations


def load(apps, schema_editor):
    from edudx.content.curriculum import data_files, migration_load  # noqa: PLC0415

    migration_load(apps, data_files())


class Migration(migrations.Migration):
    dependencies = [("content", "0002_resource_search"), ("records", "0002_load_curriculum")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
