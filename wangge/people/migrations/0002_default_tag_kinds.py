"""Ship the tags most cities give people (重点人群), after GB/T 31000's special groups and care
practice: who needs a regular visit and how often, and which tags are sensitive (seen only by the
roles named, opened with a purpose, kept for a limited time). Names are data, in Chinese, not
translatable strings; a city edits, adds or retires tags on the tag page."""

from django.db import migrations

COMMUNITY = ["community_staff", "administrator"]

# (code, name, visit every n days, sensitive, roles that see it, retention in days)
KINDS = [
    ("elderly_alone", "独居长者", 7, False, [], None),
    ("elderly_empty_nest", "空巢老人", 14, False, [], None),
    ("disabled", "残疾人", 30, False, [], None),
    ("subsistence", "低保对象", 30, False, [], None),
    ("extreme_poverty", "特困人员", 14, False, [], None),
    ("veteran", "退役军人", None, False, [], None),
    ("left_behind_child", "留守儿童", 30, False, [], None),
    ("pregnant", "孕产妇", None, False, [], None),
    ("community_correction", "社区矫正对象", 7, True, COMMUNITY, 730),
    ("mental_disorder", "严重精神障碍患者", 14, True, COMMUNITY, 1095),
    ("drug_rehab", "社区戒毒康复人员", 14, True, COMMUNITY, 1095),
    ("released_prisoner", "刑满释放人员", 30, True, COMMUNITY, 1825),
    ("key_youth", "重点青少年", 30, True, COMMUNITY, 730),
]


def add_default_tag_kinds(apps, schema_editor):
    TagKind = apps.get_model("people", "TagKind")
    for code, name, every, sensitive, roles, retention in KINDS:
        TagKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "visit_every_days": every,
                "is_sensitive": sensitive,
                "visible_to_roles": roles,
                "retention_days": retention,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_registry")]

    operations = [migrations.RunPython(add_default_tag_kinds, migrations.RunPython.noop)]
