"""Append to the audit log. Services call `record` inside their transaction, so an entry exists
exactly when the change it describes does."""

from __future__ import annotations

from typing import Any

from django.db import models

from wangge.core import clock
from wangge.core.models import AuditEntry, User


def record(
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    summary: str = "",
    **data: Any,
) -> AuditEntry:
    return AuditEntry.objects.create(
        at=clock.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.get_username() if actor is not None and actor.pk else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        summary=summary[:500],
        data=data,
    )
