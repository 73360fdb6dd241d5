"""Ship the outcome codes most canvasses use; names are data, in Chinese, not translatable
strings (a city renames, adds or retires them on the outcomes page). Each says whether the visit
reached the household and whether the target is done or stays on the list to revisit."""

from django.db import migrations

# (code, name, counts as reached, done, order)
OUTCOMES = [
    ("registered", "已登记", True, True, 10),
    ("notified", "已通知", True, True, 20),
    ("not_home", "无人在家", False, False, 30),
    ("back_tonight", "今晚回", False, False, 40),
    ("refused", "拒绝", True, False, 50),
    ("vacant", "空置", False, True, 60),
    ("moved_away", "已搬离", False, True, 70),
]


def add_default_outcomes(apps, schema_editor):
    OutcomeCode = apps.get_model("campaigns", "OutcomeCode")
    for code, name, reached, done, order in OUTCOMES:
        OutcomeCode.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "counts_as_reached": reached,
                "is_done": done,
                "order": order,
            },
        )


def remove_default_outcomes(apps, schema_editor):
    OutcomeCode = apps.get_model("campaigns", "OutcomeCode")
    Visit = apps.get_model("campaigns", "Visit")
    used = set(Visit.objects.values_list("outcome__code", flat=True))
    codes = [code for code, *_rest in OUTCOMES if code not in used]
    OutcomeCode.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_campaigns_targets_visits")]

    operations = [migrations.RunPython(add_default_outcomes, remove_default_outcomes)]
