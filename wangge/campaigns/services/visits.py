"""Recording a visit: the outcome, the answers checked against the questionnaire, when, by whom,
whether it was proved to be made at the door, and, when a new resident was found at the door,
their registration and moving in through the registry's own services (with the visitor as the
actor, so the registry's checks and refusals apply; a refusal leaves nothing written).

A visit carries a client-made UUID: the same visit sent twice (a tap twice, a resend from the
offline queue) is stored once, and the second sending gets the stored visit back. The latest
visit, by when it was made (an offline visit may arrive after a later one), decides the
target's outcome, reached and done.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.campaigns.exceptions import Invalid, NotAllowed, RegistryRefused, UuidTaken, WrongState
from wangge.campaigns.models import (
    CampaignState,
    DoorProof,
    OutcomeCode,
    Question,
    QuestionKind,
    Target,
    Visit,
)
from wangge.campaigns.permissions import may_visit
from wangge.cases.models import Attachment
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.people import queries as people_queries
from wangge.people import services as people
from wangge.people.exceptions import AlreadyRegistered, PeopleError
from wangge.people.exceptions import NotAllowed as RegistryNotAllowed
from wangge.people.models import DocumentType, Relation

TEXT_MAX = 2000
NOTE_MAX = 2000
CLOCK_SKEW = timedelta(minutes=5)
# A doorplate scanned this long before the visit was made proves it was made at the door.
DOOR_PROOF_MINUTES = 30


@dataclass
class NewResident:
    """Somebody found living in the house who is not on record: registered and moved in."""

    name: str
    document_type: str = DocumentType.ID_CARD
    document_number: str = ""
    phone: str = ""
    relation: str = Relation.TENANT
    moved_in: date | None = None


@dataclass
class VisitInput:
    client_uuid: uuid.UUID | str
    outcome: str
    answers: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    visited_at: datetime | None = None
    door_scanned_at: datetime | None = None
    new_resident: NewResident | None = None


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list):
        return not [item for item in value if not _blank(item)]
    return False


def _answer(question: Question, value: Any, actor: User | None) -> Any:
    """The value to store for one given answer, or Invalid naming the question."""
    name = f"answer_{question.pk}"
    label = question.label
    kind = question.kind
    if kind == QuestionKind.MULTIPLE:
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in items):
            raise Invalid(
                _("“%(question)s”: choose among the choices.") % {"question": label}, name
            )
        chosen = [item.strip() for item in items if item.strip()]
        for item in chosen:
            if item not in question.choices:
                raise Invalid(
                    _("“%(question)s”: %(value)s is not one of the choices.")
                    % {"question": label, "value": item},
                    name,
                )
        return [choice for choice in question.choices if choice in chosen]
    if isinstance(value, list):
        if len(value) != 1:
            raise Invalid(_("“%(question)s” takes one answer.") % {"question": label}, name)
        value = value[0]
    if kind == QuestionKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise Invalid(
                _("“%(question)s” is answered with a number.") % {"question": label}, name
            )
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise Invalid(
                _("“%(question)s” is answered with a number.") % {"question": label}, name
            ) from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
            raise Invalid(
                _("“%(question)s” is answered with a number.") % {"question": label}, name
            )
        as_float = float(number)
        return int(number) if number == number.to_integral_value() else round(as_float, 6)
    if not isinstance(value, str):
        raise Invalid(_("“%(question)s”: the answer is not valid.") % {"question": label}, name)
    value = value.strip()
    if kind == QuestionKind.TEXT:
        if len(value) > TEXT_MAX:
            raise Invalid(_("“%(question)s”: the answer is too long.") % {"question": label}, name)
        return value
    if kind == QuestionKind.SINGLE:
        if value not in question.choices:
            raise Invalid(
                _("“%(question)s”: %(value)s is not one of the choices.")
                % {"question": label, "value": value[:60]},
                name,
            )
        return value
    if kind == QuestionKind.DATE:
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise Invalid(
                _("“%(question)s” is answered with a date (YYYY-MM-DD).") % {"question": label},
                name,
            ) from None
    # A photo: the uid of a photo the visitor uploaded and nothing uses yet.
    try:
        uid = uuid.UUID(value)
    except ValueError:
        raise Invalid(
            _("“%(question)s”: the photo is missing.") % {"question": label}, name
        ) from None
    photo = Attachment.objects.filter(uid=uid, is_image=True, case__isnull=True).first()
    if photo is None or (actor is not None and photo.uploaded_by_id != actor.pk):
        raise Invalid(_("“%(question)s”: the photo is missing.") % {"question": label}, name)
    return str(uid)


def check_answers(
    questions: list[Question], given: dict[str, Any], actor: User | None = None
) -> dict[str, Any]:
    """The answers to store, keyed by question id, or Invalid naming the first question at
    fault (a required one left blank, a wrong type, a value that is not a choice)."""
    if not isinstance(given, dict):
        raise Invalid(_("The answers are not valid."), "answers")
    by_key = {str(question.pk): question for question in questions}
    for key in given:
        if str(key) not in by_key:
            raise Invalid(
                _("There is no question %(key)s in this campaign.") % {"key": key}, "answers"
            )
    answers: dict[str, Any] = {}
    for question in questions:
        value = given.get(str(question.pk))
        if _blank(value):
            if question.is_required:
                raise Invalid(
                    _("Answer the question “%(question)s”.") % {"question": question.label},
                    f"answer_{question.pk}",
                )
            continue
        answers[str(question.pk)] = _answer(question, value, actor)
    return answers


def _proof(visited_at: datetime, scanned_at: datetime | None, now: datetime) -> str:
    if scanned_at is None or scanned_at > now + CLOCK_SKEW:
        return DoorProof.NONE
    if (
        timedelta(0) - CLOCK_SKEW
        <= visited_at - scanned_at
        <= timedelta(minutes=DOOR_PROOF_MINUTES)
    ):
        return DoorProof.DOORPLATE
    return DoorProof.NONE


def _register_resident(actor: User | None, target: Target, found: NewResident) -> Any:
    """Register (or find, by document) the new resident and move them into the target's house,
    through the registry's services; their refusals become RegistryRefused naming the field."""
    house = target.house
    if house is None:
        raise Invalid(_("Only a visit to a house can register a new resident."), "resident_name")
    moved_in = found.moved_in or clock.today()
    try:
        person = None
        if found.document_number and actor is not None:
            person = people_queries.person_by_document(
                actor, found.document_type or DocumentType.ID_CARD, found.document_number
            )
        if person is None:
            person, _created = people.register_person(
                actor,
                house.grid,
                people.PersonInput(
                    name=found.name,
                    document_type=found.document_type or DocumentType.ID_CARD,
                    document_number=found.document_number,
                    phone=found.phone,
                ),
            )
        people.move_in(
            actor,
            person,
            house,
            relation=found.relation or Relation.TENANT,
            moved_in=moved_in,
            source="canvass",
        )
    except RegistryNotAllowed:
        raise RegistryRefused(
            _("You may not register residents in the registry: ask the grid worker."),
            "resident_name",
        ) from None
    except AlreadyRegistered as refused:
        raise RegistryRefused(refused.message, "resident_document_number") from None
    except PeopleError as refused:
        raise RegistryRefused(refused.message, f"resident_{refused.field or 'name'}") from None
    return person


class _SameUuid(Exception):
    pass


def record_visit(actor: User, target: Target, given: VisitInput) -> tuple[Visit, bool]:
    """Store a visit to `target`: (visit, created). A visit with the same client UUID already
    stored for this visitor and target is returned as it is (created False)."""
    try:
        client_uuid = uuid.UUID(str(given.client_uuid))
    except ValueError:
        raise Invalid(_("The visit id is not valid."), "client_uuid") from None
    stored = _stored(actor, target, client_uuid)
    if stored is not None:
        return stored, False
    try:
        with transaction.atomic():
            return _record(actor, target, given, client_uuid), True
    except _SameUuid:
        stored = _stored(actor, target, client_uuid)
        if stored is None:  # pragma: no cover - the other insert was rolled back meanwhile
            raise UuidTaken(field="client_uuid") from None
        return stored, False


def _stored(actor: User, target: Target, client_uuid: uuid.UUID) -> Visit | None:
    stored = Visit.objects.select_related("outcome").filter(client_uuid=client_uuid).first()
    if stored is None:
        return None
    if stored.visitor_id != actor.pk or stored.target_id != target.pk:
        raise UuidTaken(field="client_uuid")
    return stored


def _record(actor: User, target: Target, given: VisitInput, client_uuid: uuid.UUID) -> Visit:
    locked = (
        Target.objects.select_for_update(of=("self",))
        .select_related("campaign", "campaign__unit", "grid", "house", "house__grid")
        .get(pk=target.pk)
    )
    campaign = locked.campaign
    if campaign.state != CampaignState.OPEN:
        raise WrongState(_("This campaign is not open: visits cannot be recorded."))
    if not may_visit(actor, locked):
        raise NotAllowed()
    outcome = OutcomeCode.objects.filter(code=(given.outcome or "").strip(), is_active=True).first()
    if outcome is None:
        raise Invalid(_("Choose what the visit found."), "outcome")
    questions = list(campaign.questions.order_by("order", "pk"))
    answers = check_answers(questions, given.answers, actor)
    note = (given.note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("The note is too long."), "note")
    now = clock.now()
    visited_at = given.visited_at or now
    if timezone.is_naive(visited_at):
        raise Invalid(_("The time of the visit needs a time zone."), "visited_at")
    if visited_at > now + CLOCK_SKEW:
        raise Invalid(_("The time of the visit is in the future."), "visited_at")
    started = timezone.make_aware(datetime.combine(campaign.starts_on, datetime.min.time()))
    if visited_at < started:
        raise Invalid(_("The time of the visit is before the campaign started."), "visited_at")
    new_resident = None
    if given.new_resident is not None and given.new_resident.name.strip():
        new_resident = _register_resident(actor, locked, given.new_resident)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                client_uuid=client_uuid,
                target=locked,
                campaign=campaign,
                grid_id=locked.grid_id,
                visitor=actor,
                visited_at=visited_at,
                outcome=outcome,
                answers=answers,
                note=note,
                proof=_proof(visited_at, given.door_scanned_at, now),
                door_scanned_at=given.door_scanned_at,
                new_resident=new_resident,
                recorded_at=now,
            )
    except IntegrityError:
        raise _SameUuid() from None
    changes: dict[str, Any] = {"visits": F("visits") + 1}
    if locked.last_visited_at is None or visited_at >= locked.last_visited_at:
        changes.update(
            last_outcome=outcome,
            last_visited_at=visited_at,
            is_reached=outcome.counts_as_reached,
            is_done=outcome.is_done,
        )
    Target.objects.filter(pk=locked.pk).update(**changes)
    audit.record(
        actor,
        "campaigns.visit",
        visit,
        f"{locked.label}: {outcome.code}",
        target_id=locked.pk,
        outcome=outcome.code,
        proof=visit.proof,
    )
    return visit
