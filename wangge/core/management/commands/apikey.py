"""`wangge apikey create NAME [--user USERNAME]`: a key for another system; the key is the
last line printed (and shown only this once). `wangge apikey revoke NAME`, `wangge apikey list`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.apikeys import ApiKeyInvalid, create_api_key, revoke_api_key
from wangge.core.models import ApiKey, User


class Command(BaseCommand):
    help = "Create, list or revoke API keys for other systems."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a key; prints it as the last line")
        create.add_argument("name")
        create.add_argument("--user", help="the account the key acts as (default: a new one)")
        revoke = sub.add_parser("revoke", help="stop a key from working")
        revoke.add_argument("name")
        sub.add_parser("list", help="list keys (never the keys themselves)")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "create":
            user = None
            if options["user"]:
                user = User.objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(f"no such user: {options['user']}")
            try:
                key, raw = create_api_key(None, options["name"], user=user)
            except ApiKeyInvalid as error:
                raise CommandError(f"{error.field}: {error.message}") from error
            self.stdout.write(f"API key “{key.name}” acts as {key.user.get_username()}.")
            self.stdout.write("Keep it now; it is not shown again:")
            self.stdout.write(raw)
        elif verb == "revoke":
            key = ApiKey.objects.filter(name=options["name"]).first()
            if key is None:
                raise CommandError(f"no such key: {options['name']}")
            revoke_api_key(None, key)
            self.stdout.write(f"Revoked {key.name}.")
        else:
            for key in ApiKey.objects.select_related("user"):
                state = "active" if key.is_active else "revoked"
                self.stdout.write(f"{key.name}\t{key.prefix}…\t{key.user.get_username()}\t{state}")
