"""Ship the two grid kinds every city has; cities add their own in the app."""

from django.db import migrations

DEFAULT_KINDS = [("full_time", "专职网格"), ("part_time", "兼职网格")]


def add_default_kinds(apps, schema_editor):
    GridKind = apps.get_model("org", "GridKind")
    MapVersion = apps.get_model("org", "MapVersion")
    for code, name in DEFAULT_KINDS:
        GridKind.objects.get_or_create(code=code, defaults={"name": name})
    MapVersion.objects.get_or_create(pk=1, defaults={"version": 0})


def remove_default_kinds(apps, schema_editor):
    GridKind = apps.get_model("org", "GridKind")
    GridKind.objects.filter(code__in=[code for code, _ in DEFAULT_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0001_org_tree_grids_memberships")]
    operations = [migrations.RunPython(add_default_kinds, remove_default_kinds)]
