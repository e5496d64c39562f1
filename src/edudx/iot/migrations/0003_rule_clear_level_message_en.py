"""Rules get a clear level (hysteresis) and an English message; the built-ins get theirs
(iot.rules.DEFAULT_RULES, through builtin_rules_ensure, which the tests' fixture calls too)."""

from django.db import migrations, models

from edudx.iot.rules import builtin_rules_ensure


def fill(apps, schema_editor):
    builtin_rules_ensure(apps.get_model("iot", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("iot", "0002_default_rules")]

    operations = [
        migrations.AddField(
            model_name="rule",
            name="clear_level",
            field=models.FloatField(blank=True, null=True, verbose_name="ngưỡng kết thúc"),
        ),
        migrations.AddField(
            model_name="rule",
            name="message_en",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="thông điệp tiếng Anh"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
