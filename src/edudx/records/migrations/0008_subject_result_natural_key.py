"""SubjectResult's primary key becomes its natural key (student, school year, period,
subject): no surrogate id, no (class, period) index — one index to maintain per row
instead of three (decision 18). Django cannot turn an existing primary key into a composite
one, so the table is rebuilt: a new table, the rows copied in one INSERT … SELECT (the
summary is derived data, but a deployment keeps its results without a recompute), the old
table dropped and the new one renamed."""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = (
    "student_id, school_year_id, period, subject_id, average, comment, complete, "
    "class_group_id, computed_at"
)


def copy_rows(new: str, old: str) -> str:
    return f"INSERT INTO {new} ({COLUMNS}) SELECT {COLUMNS} FROM {old}"  # noqa: S608


def fk(to, on_delete, related_name="+"):
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        on_delete=on_delete,
        related_name=related_name,
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0001_initial"),
        ("people", "0003_student_name_search"),
        ("records", "0007_summary_tables_without_db_foreign_keys"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubjectResultKeyed",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "student_id",
                        "school_year_id",
                        "period",
                        "subject_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("period", models.PositiveSmallIntegerField()),
                (
                    "average",
                    models.DecimalField(blank=True, decimal_places=1, max_digits=3, null=True),
                ),
                ("comment", models.CharField(blank=True, max_length=10)),
                ("complete", models.BooleanField(default=False)),
                ("computed_at", models.DateTimeField()),
                ("class_group", fk("org.classgroup", django.db.models.deletion.CASCADE)),
                ("school_year", fk("org.schoolyear", django.db.models.deletion.PROTECT)),
                ("student", fk("people.student", django.db.models.deletion.CASCADE)),
                ("subject", fk("records.subject", django.db.models.deletion.PROTECT)),
            ],
        ),
        migrations.RunSQL(
            copy_rows("records_subjectresultkeyed", "records_subjectresult"),
            reverse_sql=copy_rows("records_subjectresult", "records_subjectresultkeyed"),
        ),
        migrations.DeleteModel(name="SubjectResult"),
        migrations.RenameModel(old_name="SubjectResultKeyed", new_name="SubjectResult"),
        migrations.AlterField(
            model_name="subjectresult",
            name="student",
            field=fk("people.student", django.db.models.deletion.CASCADE, "subject_results"),
        ),
    ]
