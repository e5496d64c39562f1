"""Student, Enrolment and StaffMember drop ExchangeModel's single-column `updated_at`
index: their `(updated_at, id)` change-feed index starts with it.

The indexes are dropped by name rather than by AlterField: on SQLite, AlterField rebuilds
the table, which would drop the student name-search triggers of 0003."""

from django.db import migrations, models

# (model, table, index Django named for `db_index=True` on updated_at)
INDEXES = [
    ("enrolment", "people_enrolment", "people_enrolment_updated_at_37f8bdd6"),
    ("staffmember", "people_staffmember", "people_staffmember_updated_at_e2000744"),
    ("student", "people_student", "people_student_updated_at_157fc569"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_change_feed_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name="updated_at",
                    field=models.DateTimeField(auto_now=True),
                )
                for model, _table, _index in INDEXES
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("updated_at")',
                )
                for _model, table, index in INDEXES
            ],
        ),
    ]
