"""Load the topic trees shipped in content/data/*.csv (topics and learning outcomes of
CT GDPT 2018) under records' curriculum table. `edudx load_topics` reloads them later."""

from django.db import migrations


def load(apps, schema_editor):
    from edudx.content.curriculum import (  # noqa: PLC0415
        curriculum_index,
        data_files,
        read_topics,
        topics_load,
    )

    rows = read_topics(
        data_files(), curriculum_index(apps.get_model("records", "CurriculumSubject"))
    )
    topics_load(
        rows,
        subject_model=apps.get_model("records", "Subject"),
        topic_model=apps.get_model("content", "Topic"),
        outcome_model=apps.get_model("content", "Outcome"),
    )


class Migration(migrations.Migration):
    dependencies = [("content", "0002_resource_search"), ("records", "0002_load_curriculum")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
