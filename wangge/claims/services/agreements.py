"""Claiming (认领) and agreements (认领协议): a member unit claims a need or a project — through
its contact's account, or the community's staff on its behalf — and the claim becomes an
agreement with parties, dates and deliverables; progress is recorded with evidence, and the
agreement is fulfilled (with evidence) or cancelled.

A need or a project is claimed once. The claim locks the need's row (`select_for_update`), so
of two claims at the same moment the second waits and then finds it claimed; the database's
unique constraint on live agreements is the last guard (SQLite has no row locks but takes one
writer at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.exceptions import CaseInvalid
from wangge.cases.models import Attachment
from wangge.cases.services import store_attachment
from wangge.claims.exceptions import Invalid, InvalidState, NotAllowed
from wangge.claims.models import (
    Agreement,
    AgreementState,
    Deliverable,
    Evidence,
    MemberUnit,
    Need,
    NeedState,
    ProgressEntry,
    Project,
    ProjectState,
)
from wangge.claims.permissions import acts_for, contact_of, may_act_for
from wangge.claims.services import checks
from wangge.claims.services.lists import move_need
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.org.models import OrgUnit

DEFAULT_DAYS = 30
MAX_DELIVERABLES = 20
MAX_EVIDENCE = 6


@dataclass
class ClaimInput:
    title: str = ""
    terms: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    deliverables: list[tuple[str, date]] = field(default_factory=list)


def _check_claimant(actor: User | None, member_unit: MemberUnit, community: OrgUnit) -> None:
    if not member_unit.is_active:
        raise Invalid(_("This member unit is no longer active."), "member_unit")
    if not member_unit.communities.filter(pk=community.pk).exists():
        raise Invalid(_("The member unit does not serve this community."), "member_unit")
    if not may_act_for(actor, member_unit, community):
        raise NotAllowed()


def _agreement(
    actor: User,
    community: OrgUnit,
    member_unit: MemberUnit,
    given: ClaimInput,
    default_title: str,
    default_end: date | None,
) -> Agreement:
    today = timezone.localtime(clock.now()).date()
    starts_on = given.starts_on or today
    ends_on = given.ends_on or default_end or starts_on + timedelta(days=DEFAULT_DAYS)
    if ends_on < starts_on:
        raise Invalid(_("The end date is before the start date."), "ends_on")
    if len(given.deliverables) > MAX_DELIVERABLES:
        raise Invalid(
            _("At most %(count)d deliverables.") % {"count": MAX_DELIVERABLES}, "deliverables"
        )
    now = clock.now()
    contact = contact_of(actor) if acts_for(actor, member_unit) else None
    return Agreement(
        community=community,
        member_unit=member_unit,
        contact=contact,
        title=checks.text("title", given.title or default_title, 100, required=True),
        terms=checks.text("terms", given.terms, 4000),
        starts_on=starts_on,
        ends_on=ends_on,
        claimed_by=actor,
        claimed_at=now,
        updated_at=now,
    )


def _add_deliverables(agreement: Agreement, deliverables: Sequence[tuple[str, date]]) -> None:
    now = clock.now()
    rows = []
    for title, due_on in deliverables:
        if due_on is None:
            raise Invalid(_("Each deliverable needs a due date."), "deliverables")
        rows.append(
            Deliverable(
                agreement=agreement,
                title=checks.text("deliverables", title, 200, required=True),
                due_on=due_on,
                created_at=now,
            )
        )
    Deliverable.objects.bulk_create(rows)


def claim_need(
    actor: User, need: Need, member_unit: MemberUnit, given: ClaimInput | None = None
) -> Agreement:
    """`member_unit` claims `need`: the need becomes claimed and an agreement is made. A need
    claimed already (or closed) is refused, also when two claims arrive at once."""
    given = given or ClaimInput()
    _check_claimant(actor, member_unit, need.community)
    try:
        with transaction.atomic():
            locked = Need.objects.select_for_update().select_related("community").get(pk=need.pk)
            if locked.state != NeedState.OPEN:
                raise InvalidState(_("This need has been claimed already or is closed."), "need")
            agreement = _agreement(
                actor, locked.community, member_unit, given, locked.title, locked.wanted_by
            )
            agreement.need = locked
            agreement.save()
            _add_deliverables(agreement, given.deliverables)
            move_need(locked, NeedState.CLAIMED)
            audit.record(
                actor,
                "claims.need.claim",
                agreement,
                f"{member_unit.name} → {locked.title}",
                need=locked.pk,
            )
    except IntegrityError:
        raise InvalidState(_("This need has been claimed already or is closed."), "need") from None
    need.state = NeedState.CLAIMED
    return agreement


def claim_project(
    actor: User, project: Project, member_unit: MemberUnit, given: ClaimInput | None = None
) -> Agreement:
    """`member_unit` claims a planned project of the community; claimed once."""
    given = given or ClaimInput()
    _check_claimant(actor, member_unit, project.community)
    try:
        with transaction.atomic():
            locked = (
                Project.objects.select_for_update().select_related("community").get(pk=project.pk)
            )
            if locked.state != ProjectState.PLANNED:
                raise InvalidState(
                    _("This project has been claimed already or is finished."), "project"
                )
            agreement = _agreement(
                actor, locked.community, member_unit, given, locked.title, locked.ends_on
            )
            if given.starts_on is None and locked.starts_on:
                agreement.starts_on = max(locked.starts_on, agreement.starts_on)
                agreement.ends_on = max(agreement.ends_on, agreement.starts_on)
            agreement.project = locked
            agreement.save()
            _add_deliverables(agreement, given.deliverables)
            locked.state = ProjectState.CLAIMED
            locked.updated_at = clock.now()
            locked.save(update_fields=["state", "updated_at"])
            audit.record(
                actor,
                "claims.project.claim",
                agreement,
                f"{member_unit.name} → {locked.title}",
                project=locked.pk,
            )
    except IntegrityError:
        raise InvalidState(
            _("This project has been claimed already or is finished."), "project"
        ) from None
    project.state = ProjectState.CLAIMED
    return agreement


def _lock_live(actor: User | None, agreement: Agreement) -> Agreement:
    locked = (
        Agreement.objects.select_for_update()
        .select_related("community", "member_unit")
        .get(pk=agreement.pk)
    )
    if not may_act_for(actor, locked.member_unit, locked.community):
        raise NotAllowed()
    if not locked.is_live:
        raise InvalidState(
            _("The agreement is %(state)s: nothing more can be recorded on it.")
            % {"state": locked.get_state_display()},
            "state",
        )
    return locked


def add_deliverable(
    actor: User, agreement: Agreement, title: str, due_on: date | None
) -> Deliverable:
    with transaction.atomic():
        locked = _lock_live(actor, agreement)
        if due_on is None:
            raise Invalid(_("Enter the due date."), "due_on")
        if locked.deliverables.count() >= MAX_DELIVERABLES:
            raise Invalid(
                _("At most %(count)d deliverables.") % {"count": MAX_DELIVERABLES}, "title"
            )
        deliverable = Deliverable.objects.create(
            agreement=locked,
            title=checks.text("title", title, 200, required=True),
            due_on=due_on,
            created_at=clock.now(),
        )
        audit.record(actor, "claims.deliverable.add", deliverable, deliverable.title)
    return deliverable


def store_evidence(actor: User | None, upload: IO[bytes] | bytes, name: str) -> Attachment:
    """Keep one photo or PDF through the cases app's attachment handling (content sniffed,
    size-limited, photos re-encoded without EXIF, stored outside the web root)."""
    try:
        return store_attachment(actor, upload, name=name, field="evidence")
    except CaseInvalid as refused:
        raise Invalid(str(refused), "evidence") from None


def _attach(actor: User, entry: ProgressEntry, evidence: Sequence[Attachment]) -> None:
    if len(evidence) > MAX_EVIDENCE:
        raise Invalid(_("At most %(count)d files.") % {"count": MAX_EVIDENCE}, "evidence")
    for attachment in evidence:
        usable = (
            attachment.case_id is None
            and attachment.uploaded_by_id == actor.pk
            and not Evidence.objects.filter(attachment=attachment).exists()
        )
        if not usable:
            raise Invalid(_("This file cannot be used as evidence here."), "evidence")
        Evidence.objects.create(entry=entry, attachment=attachment)


def record_progress(
    actor: User,
    agreement: Agreement,
    note: str,
    evidence: Sequence[Attachment] = (),
    *,
    deliverable: Deliverable | None = None,
) -> ProgressEntry:
    """Record what was done under a live agreement, with its evidence; a deliverable named is
    done. The first progress moves the agreement (and its need) to in progress."""
    note = checks.text("note", note, 4000, required=True)
    with transaction.atomic():
        locked = _lock_live(actor, agreement)
        if deliverable is not None and deliverable.agreement_id != locked.pk:
            raise Invalid(_("This deliverable belongs to another agreement."), "deliverable")
        now = clock.now()
        entry = ProgressEntry.objects.create(
            agreement=locked,
            deliverable=deliverable,
            note=note,
            recorded_by=actor,
            recorded_at=now,
        )
        _attach(actor, entry, evidence)
        if deliverable is not None and deliverable.done_at is None:
            Deliverable.objects.filter(pk=deliverable.pk).update(done_at=now)
            deliverable.done_at = now
        _start(locked)
        audit.record(actor, "claims.agreement.progress", locked, note[:200])
    agreement.state = locked.state
    return entry


def _start(agreement: Agreement) -> None:
    if agreement.state != AgreementState.AGREED:
        return
    agreement.state = AgreementState.IN_PROGRESS
    agreement.updated_at = clock.now()
    agreement.save(update_fields=["state", "updated_at"])
    if agreement.need_id:
        need = Need.objects.select_for_update().get(pk=agreement.need_id)
        if need.state == NeedState.CLAIMED:
            move_need(need, NeedState.IN_PROGRESS)


def complete_agreement(
    actor: User, agreement: Agreement, outcome: str, evidence: Sequence[Attachment] = ()
) -> Agreement:
    """The agreement is fulfilled: what was done, with evidence (given now or with earlier
    progress). Its need is fulfilled and its project completed; open deliverables are done."""
    outcome = checks.text("outcome", outcome, 4000, required=True)
    with transaction.atomic():
        locked = _lock_live(actor, agreement)
        now = clock.now()
        entry = ProgressEntry.objects.create(
            agreement=locked, note=outcome, is_completion=True, recorded_by=actor, recorded_at=now
        )
        _attach(actor, entry, evidence)
        if not Evidence.objects.filter(entry__agreement=locked).exists():
            raise Invalid(
                _("Completing an agreement needs evidence: a photo or a document."), "evidence"
            )
        _start(locked)
        locked.deliverables.filter(done_at__isnull=True).update(done_at=now)
        locked.state = AgreementState.FULFILLED
        locked.fulfilled_at = now
        locked.outcome = outcome
        locked.updated_at = now
        locked.save(update_fields=["state", "fulfilled_at", "outcome", "updated_at"])
        if locked.need_id:
            move_need(Need.objects.select_for_update().get(pk=locked.need_id), NeedState.FULFILLED)
        if locked.project_id:
            Project.objects.filter(pk=locked.project_id).update(
                state=ProjectState.COMPLETED, updated_at=now
            )
        audit.record(actor, "claims.agreement.complete", locked, outcome[:200])
    return locked


def cancel_agreement(actor: User, agreement: Agreement, reason: str) -> Agreement:
    """Cancel a live agreement; its need is open again and its project planned again."""
    reason = checks.text("reason", reason, 200, required=True)
    with transaction.atomic():
        locked = _lock_live(actor, agreement)
        now = clock.now()
        locked.state = AgreementState.CANCELLED
        locked.cancel_reason = reason
        locked.updated_at = now
        locked.save(update_fields=["state", "cancel_reason", "updated_at"])
        if locked.need_id:
            move_need(Need.objects.select_for_update().get(pk=locked.need_id), NeedState.OPEN)
        if locked.project_id:
            Project.objects.filter(pk=locked.project_id).update(
                state=ProjectState.PLANNED, updated_at=now
            )
        audit.record(actor, "claims.agreement.cancel", locked, reason)
    return locked
