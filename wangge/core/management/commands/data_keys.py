"""`wangge data_keys new` prints a fresh key for WANGGE_DATA_KEYS; `wangge data_keys rotate`
re-encrypts every encrypted column under the first key, in batches, so an old key can then be
removed from the list."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.crypto import EncryptedTextField, new_data_key, reencrypt

BATCH = 500


class Command(BaseCommand):
    help = gettext_lazy(
        "Make a data key, or re-encrypt personal data under the first key (rotation)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["new", "rotate"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "new":
            self.stdout.write(new_data_key())
            return
        total = 0
        for model in apps.get_models():
            names = [f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)]
            if names:
                total += self._rotate(model, names)
        self.stdout.write(
            _("Re-encrypted %(count)d values under the first key.") % {"count": total}
        )

    def _rotate(self, model: Any, names: list[str]) -> int:
        table = model._meta.db_table
        columns = [model._meta.get_field(name).column for name in names]
        done, last_pk = 0, None
        while True:
            # Raw values: the tokens themselves, not the decrypted text.
            rows = model.objects.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows.values_list("pk", flat=True)[:BATCH])
            if not batch:
                return done
            with transaction.atomic():
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                placeholders = ", ".join(["%s"] * len(batch))
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {connection.ops.quote_name(model._meta.pk.column)}, {quoted} "  # noqa: S608
                        f"FROM {connection.ops.quote_name(table)} WHERE "
                        f"{connection.ops.quote_name(model._meta.pk.column)} IN ({placeholders})",
                        batch,
                    )
                    fetched = cursor.fetchall()
                for pk, *tokens in fetched:
                    fresh = [reencrypt(t) if t else t for t in tokens]
                    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
                    with connection.cursor() as cursor:
                        cursor.execute(
                            f"UPDATE {connection.ops.quote_name(table)} SET {sets} "  # noqa: S608
                            f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
                            [*fresh, pk],
                        )
                    done += sum(1 for t in tokens if t)
            last_pk = batch[-1]
