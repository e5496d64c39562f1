import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_chain_head(apps, schema_editor):
    """The single head row exists before the first writer, so the first appends of two
    concurrent writers both lock an existing row instead of racing to create it."""
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    if AuditChainHead.objects.filter(pk=1).exists():
        return
    last = AuditEvent.objects.order_by("-id").first()
    AuditChainHead.objects.create(
        pk=1,
        last_hash=last.hash if last else "0" * 64,
        last_event_id=last.pk if last else 0,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(create_chain_head, migrations.RunPython.noop),
    ]
