"""The four deliberations and two disclosures (四议两公开) as a guided process: the party branch
proposes, the two committees consult, the party members' meeting reviews, the villagers'
representatives' meeting resolves, the resolution is disclosed, the outcome is disclosed.

Steps are recorded only in that order, each once, with its date (not before the previous
step's), the people expected and present and the votes in favour where it is a meeting, notes
and documents (kept by the case app's attachment handling: content checked, photos re-encoded
without EXIF). A disclosure needs a photo of the notice board; it is shown on the public page.

The quorum rules are data (`QuorumRule`, shipped by a migration and edited by the city): by
default the party members' meeting and the representatives' meeting need at least two thirds of
those expected present and more than half of those present in favour (《村民委员会组织法》 and
the party's rules for branch meetings). A step without a row uses those defaults; a city that
wants no rule sets both thresholds to "no minimum". A refusal names the rule that failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wangge.cases.models import Attachment
from wangge.core import audit, clock
from wangge.core.models import User
from wangge.meetings.exceptions import Conflict, Invalid
from wangge.meetings.models import (
    DISCLOSURE_STEPS,
    MEETING_STEPS,
    STEP_ORDER,
    Procedure,
    ProcedureStep,
    QuorumRule,
    Step,
    StepDocument,
    Threshold,
)
from wangge.meetings.permissions import require_run
from wangge.meetings.rules import reaches
from wangge.meetings.services.topics import TEXT_MAX, TITLE_MAX, check_community
from wangge.org.models import OrgUnit

DEFAULT_RULES: dict[str, tuple[str, str]] = {
    Step.REVIEW: (Threshold.TWO_THIRDS, Threshold.MORE_THAN_HALF),
    Step.RESOLUTION: (Threshold.TWO_THIRDS, Threshold.MORE_THAN_HALF),
}
MAX_DOCUMENTS = 10


@dataclass
class StepInput:
    step: str
    held_on: date
    expected: int | None = None
    present: int | None = None
    in_favour: int | None = None
    notes: str = ""
    documents: list[Attachment] = field(default_factory=list)


def start_procedure(
    actor: User | None, village: OrgUnit, title: str, description: str = ""
) -> Procedure:
    check_community(village)
    require_run(actor, village)
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(
            _("A title of 1 to %(max)d characters is required.") % {"max": TITLE_MAX}, "title"
        )
    description = (description or "").strip()
    if len(description) > TEXT_MAX:
        raise Invalid(
            _("At most %(max)d characters are allowed.") % {"max": TEXT_MAX}, "description"
        )
    with transaction.atomic():
        procedure = Procedure.objects.create(
            community=village,
            title=title,
            description=description,
            created_by=actor,
            created_at=clock.now(),
        )
        audit.record(actor, "meetings.procedure.start", procedure, title)
    return procedure


def next_step(procedure: Procedure) -> str | None:
    """The step to record next, or None when all six are done."""
    done = set(procedure.steps.values_list("step", flat=True))
    return next((step for step in STEP_ORDER if step not in done), None)


def rule_for(step: str) -> tuple[str, str] | None:
    """(present, in favour) thresholds for a step, or None when it has no rule."""
    row = QuorumRule.objects.filter(step=step).first()
    if row is not None:
        return row.present, row.in_favour
    return DEFAULT_RULES.get(step)


def _threshold_words(threshold: str) -> str:
    return {
        Threshold.MORE_THAN_HALF: _("more than half"),
        Threshold.TWO_THIRDS: _("at least two thirds"),
    }.get(threshold, "")


def _check_counts(given: StepInput) -> None:
    label = Step(given.step).label
    for name in ("expected", "present", "in_favour"):
        value = getattr(given, name)
        if value is None:
            raise Invalid(_("%(step)s is a meeting: enter this number.") % {"step": label}, name)
        if not isinstance(value, int) or value < 0 or value > 100000:
            raise Invalid(_("Enter a whole number from 0 to 100,000."), name)
    if given.expected == 0:
        raise Invalid(_("Enter how many people were expected."), "expected")
    if given.present > given.expected:
        raise Invalid(_("More people present than expected."), "present")
    if given.in_favour > given.present:
        raise Invalid(_("More votes in favour than people present."), "in_favour")
    rule = rule_for(given.step)
    if rule is None:
        return
    present_rule, favour_rule = rule
    if not reaches(given.present, given.expected, present_rule):
        raise Invalid(
            _(
                "%(step)s needs %(share)s of those expected present: "
                "%(present)d of %(expected)d were."
            )
            % {
                "step": label,
                "share": _threshold_words(present_rule),
                "present": given.present,
                "expected": given.expected,
            },
            "present",
        )
    if not reaches(given.in_favour, given.present, favour_rule):
        raise Invalid(
            _(
                "%(step)s needs %(share)s of those present in favour: "
                "%(favour)d of %(present)d were."
            )
            % {
                "step": label,
                "share": _threshold_words(favour_rule),
                "favour": given.in_favour,
                "present": given.present,
            },
            "in_favour",
        )


def _check_order(procedure: Procedure, step: str) -> None:
    expected_step = next_step(procedure)
    if expected_step is None:
        raise Conflict(_("Every step of this procedure is recorded."), "step")
    if step != expected_step:
        raise Conflict(
            _("Steps go in order: the next one is “%(step)s”.")
            % {"step": Step(expected_step).label},
            "step",
        )


def record_step(actor: User | None, procedure: Procedure, given: StepInput) -> ProcedureStep:
    """Record the next step of the procedure; any other step, a failed quorum rule, a missing
    number or a disclosure without a photo is refused and nothing is written."""
    if given.step not in STEP_ORDER:
        raise Invalid(_("Choose a step."), "step")
    require_run(actor, procedure.community)
    _check_order(procedure, given.step)
    notes = (given.notes or "").strip()
    if len(notes) > TEXT_MAX:
        raise Invalid(_("At most %(max)d characters are allowed.") % {"max": TEXT_MAX}, "notes")
    if given.held_on is None or given.held_on > clock.today():
        raise Invalid(_("Enter the date it took place (not in the future)."), "held_on")
    if len(given.documents) > MAX_DOCUMENTS:
        raise Invalid(_("At most %(max)d files.") % {"max": MAX_DOCUMENTS}, "documents")
    if given.step in MEETING_STEPS:
        _check_counts(given)
    else:
        given.expected = given.present = given.in_favour = None
    if given.step in DISCLOSURE_STEPS and not any(doc.is_image for doc in given.documents):
        raise Invalid(_("Add a photo of the notice board."), "documents")
    if given.step == Step.PROPOSAL and not notes and not given.documents:
        raise Invalid(_("Write down the proposal or add its document."), "notes")
    with transaction.atomic():
        procedure = (
            Procedure.objects.select_for_update().select_related("community").get(pk=procedure.pk)
        )
        require_run(actor, procedure.community)
        _check_order(procedure, given.step)  # again, under the lock
        last = procedure.steps.order_by("-pk").first()
        if last is not None and given.held_on < last.held_on:
            raise Invalid(_("A step cannot take place before the previous one."), "held_on")
        try:
            with transaction.atomic():
                step = ProcedureStep.objects.create(
                    procedure=procedure,
                    step=given.step,
                    held_on=given.held_on,
                    expected=given.expected,
                    present=given.present,
                    in_favour=given.in_favour,
                    notes=notes,
                    recorded_by=actor,
                    recorded_at=clock.now(),
                )
        except IntegrityError:
            raise Conflict(_("This step is recorded already."), "step") from None
        StepDocument.objects.bulk_create(
            StepDocument(step=step, attachment=doc) for doc in given.documents
        )
        audit.record(actor, "meetings.procedure.step", step, Step(given.step).label)
    return step
