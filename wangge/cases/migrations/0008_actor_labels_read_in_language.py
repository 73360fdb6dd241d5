"""Events of the reporter and the system stored a translated label ("Reporter", "诉求人", …) as
their actor's name, in the language of the request that wrote them; the label is now read from
the actor kind in the reader's language, so the stored copies are cleared."""

from django.db import migrations


def clear_stored_labels(apps, schema_editor):
    CaseEvent = apps.get_model("cases", "CaseEvent")
    CaseEvent.objects.filter(actor_kind__in=["reporter", "system"], actor__isnull=True).update(
        actor_name=""
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_closed_at_index")]

    operations = [migrations.RunPython(clear_stored_labels, migrations.RunPython.noop)]
