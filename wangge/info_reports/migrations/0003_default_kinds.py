"""Ship kinds of urgent information with the time limits common in Chinese practice for 突发事件
信息报送: the extraordinarily serious and major ones by phone within 30 minutes of learning of
them and in writing within an hour, larger ones within an hour and two, general ones within two
and four. Natural minutes, not working hours. A city changes them as data (its kinds page)."""

from django.db import migrations

# (code, name, level, first report, written report, continued every) in minutes.
KINDS = [
    ("casualties", "重大人员伤亡事件", "extraordinary", 30, 60, 60),
    ("collapse", "房屋倒塌", "major", 30, 60, 60),
    ("flood", "洪涝台风灾害", "major", 30, 60, 120),
    ("mass_gathering", "群体性聚集事件", "major", 30, 60, 60),
    ("fire", "火灾", "large", 60, 120, None),
    ("gas_leak", "燃气泄漏", "large", 60, 120, None),
    ("traffic", "道路交通事故", "large", 60, 120, None),
    ("public_health", "突发公共卫生事件", "large", 60, 120, None),
    ("hazard", "安全隐患险情", "general", 120, 240, None),
    ("other", "其他突发情况", "general", 120, 240, None),
]


def add_default_kinds(apps, schema_editor):
    InfoKind = apps.get_model("info_reports", "InfoKind")
    for position, (code, name, level, first, written, continued) in enumerate(KINDS):
        InfoKind.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "first_report_minutes": first,
                "written_report_minutes": written,
                "continued_report_minutes": continued,
                "position": position,
            },
        )


def remove_default_kinds(apps, schema_editor):
    InfoKind = apps.get_model("info_reports", "InfoKind")
    InfoReport = apps.get_model("info_reports", "InfoReport")
    used = InfoReport.objects.values("kind_id")
    InfoKind.objects.filter(code__in=[k[0] for k in KINDS]).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("info_reports", "0002_append_only_timeline")]

    operations = [migrations.RunPython(add_default_kinds, remove_default_kinds)]
