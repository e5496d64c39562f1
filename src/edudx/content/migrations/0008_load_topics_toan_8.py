"""Load the maths topics of grade 8 (content/data/topics_toan_8.csv) into databases
migrated before the file shipped; on a new database 0003 has loaded them and this reloads
the same rows (topics_load is idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from edudx.content.curriculum import DATA_DIR, migration_load  # noqa: PLC0415

    migration_load(apps, [DATA_DIR / "topics_toan_8.csv"])


class Migration(migrations.Migration):
    dependencies = [("content", "0007_publish_scope_public")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
