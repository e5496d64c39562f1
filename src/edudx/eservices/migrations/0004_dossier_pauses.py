from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    """Answered supplement pauses of existing dossiers, from their events (the request's
    and the answer's local dates, in order)."""
    Dossier = apps.get_model("eservices", "Dossier")
    DossierEvent = apps.get_model("eservices", "DossierEvent")
    pauses: dict[int, list] = {}
    opened: dict[int, str] = {}
    for dossier_id, action, at in (
        DossierEvent.objects.filter(action__in=["request_supplement", "supplement"])
        .order_by("dossier_id", "at", "id")
        .values_list("dossier_id", "action", "at")
    ):
        day = timezone.localdate(at).isoformat()
        if action == "request_supplement":
            opened[dossier_id] = day
        elif dossier_id in opened:
            pauses.setdefault(dossier_id, []).append([opened.pop(dossier_id), day])
    rows = list(Dossier.objects.filter(pk__in=pauses))
    for d in rows:
        d.pauses = pauses[d.pk]
    Dossier.objects.bulk_update(rows, ["pauses"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("eservices", "0003_calendar_day_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="pauses",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
