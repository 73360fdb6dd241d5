"""Tasks given by decisions: done by their owner (or the community's organisers) with a note
and evidence. Whether a task is late is read from its deadline when asked, as a case's is
(`wangge.cases.deadlines.deadline_light`: yellow after 80 % of the time, red past it)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from wangge.cases.deadlines import deadline_light
from wangge.cases.models import Attachment
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.meetings.exceptions import Conflict, Invalid, NotAllowed
from wangge.meetings.models import Task, TaskEvidence, TaskState
from wangge.meetings.permissions import may_run

NOTE_MAX = 2000
MAX_EVIDENCE = 5


def task_light(task: Task, now: datetime | None = None) -> str:
    """green, yellow or red for an open task; "" for a done one."""
    if task.state != TaskState.OPEN:
        return ""
    return deadline_light(task.due_at, task.warn_at, now or clock.now())


def may_complete(user: User | None, task: Task) -> bool:
    return user is not None and (task.owner_id == user.pk or may_run(user, task.community))


def complete_task(
    actor: User, task: Task, note: str, evidence: list[Attachment] | None = None
) -> Task:
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise Invalid(_("Say what was done (1 to %(max)d characters).") % {"max": NOTE_MAX}, "note")
    evidence = evidence or []
    if len(evidence) > MAX_EVIDENCE:
        raise Invalid(_("At most %(max)d files.") % {"max": MAX_EVIDENCE}, "evidence")
    with transaction.atomic():
        task = Task.objects.select_for_update().select_related("community").get(pk=task.pk)
        if not may_complete(actor, task):
            raise NotAllowed()
        if task.state != TaskState.OPEN:
            raise Conflict(_("This task is done already."), "state")
        task.state = TaskState.DONE
        task.done_at = clock.now()
        task.done_note = note
        task.done_by = actor
        task.save(update_fields=["state", "done_at", "done_note", "done_by"])
        TaskEvidence.objects.bulk_create(TaskEvidence(task=task, attachment=a) for a in evidence)
        audit.record(
            actor, "meetings.task.complete", task, note[:200], late=task.done_at > task.due_at
        )
    return task
