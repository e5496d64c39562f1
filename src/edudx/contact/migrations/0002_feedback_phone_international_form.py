"""Feedback phones stored as typed in the international form without the plus
("84912345678") get the national form that `core.phones.normalise_phone` now gives them,
so tracking by the phone finds them again."""

from django.db import migrations

from edudx.core.phones import normalise_phone


def renormalise(apps, schema_editor):
    Feedback = apps.get_model("contact", "Feedback")
    for pk, phone in Feedback.objects.filter(phone__startswith="84").values_list("pk", "phone"):
        if normalise_phone(phone) != phone:
            Feedback.objects.filter(pk=pk).update(phone=normalise_phone(phone))


class Migration(migrations.Migration):
    dependencies = [("contact", "0001_initial")]

    operations = [migrations.RunPython(renormalise, migrations.RunPython.noop)]
