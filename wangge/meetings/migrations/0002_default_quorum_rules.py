"""Ship the quorum rules of 四议两公开 that the regulations set: the party members' meeting and
the villagers' representatives' meeting each need at least two thirds of those expected present
and more than half of those present in favour. A city changes them as data (Django's admin)."""

from django.db import migrations

RULES = [
    ("review", "two_thirds", "more_than_half"),
    ("resolution", "two_thirds", "more_than_half"),
]


def add_default_quorum_rules(apps, schema_editor):
    QuorumRule = apps.get_model("meetings", "QuorumRule")
    for step, present, in_favour in RULES:
        QuorumRule.objects.get_or_create(
            step=step, defaults={"present": present, "in_favour": in_favour}
        )


def remove_default_quorum_rules(apps, schema_editor):
    QuorumRule = apps.get_model("meetings", "QuorumRule")
    QuorumRule.objects.filter(step__in=[step for step, _p, _f in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_meetings_votes_and_procedures")]

    operations = [migrations.RunPython(add_default_quorum_rules, remove_default_quorum_rules)]
