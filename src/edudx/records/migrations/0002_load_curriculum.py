"""Load the CT GDPT 2018 subjects and periods per year shipped in data/curriculum_2018.csv.
`edudx load_curriculum` reloads the file later (idempotent)."""

from django.db import migrations


def load(apps, schema_editor):
    from edudx.records.curriculum import curriculum_load, read_curriculum  # noqa: PLC0415

    curriculum_load(
        read_curriculum(),
        subject_model=apps.get_model("records", "Subject"),
        curriculum_model=apps.get_model("records", "CurriculumSubject"),
    )


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
