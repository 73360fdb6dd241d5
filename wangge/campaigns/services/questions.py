"""The questionnaire an organiser builds while the campaign is a draft: ordered questions of
kinds text, one choice, several choices, number, date and photo, each required or not. Once the
campaign opens the questionnaire is fixed, so every visit answers the same questions."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from wangge.campaigns.exceptions import Invalid, NotAllowed, WrongState
from wangge.campaigns.models import Campaign, CampaignState, Question, QuestionKind
from wangge.core import audit
from wangge.core.models import User
from wangge.org.permissions import scope_for
from wangge.org.roles import Capability

LABEL_MAX = 200
CHOICE_MAX = 60
CHOICES_MAX = 30
HELP_MAX = 200
CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


@dataclass
class QuestionInput:
    label: str
    kind: str
    choices: list[str] = field(default_factory=list)
    is_required: bool = False
    help_text: str = ""


def _locked_draft(actor: User | None, campaign: Campaign) -> Campaign:
    locked = (
        Campaign.objects.select_for_update(of=("self",)).select_related("unit").get(pk=campaign.pk)
    )
    if actor is not None and not scope_for(actor, Capability.RUN_CAMPAIGNS).contains(
        locked.unit.path
    ):
        raise NotAllowed()
    if locked.state != CampaignState.DRAFT:
        raise WrongState(_("The questionnaire is fixed once the campaign is open."))
    return locked


def _check(given: QuestionInput) -> dict:
    label = (given.label or "").strip()
    if not label:
        raise Invalid(_("Write the question."), "label")
    if len(label) > LABEL_MAX:
        raise Invalid(_("The question is too long."), "label")
    if given.kind not in QuestionKind.values:
        raise Invalid(_("Unknown kind of question: %(kind)s") % {"kind": given.kind}, "kind")
    choices: list[str] = []
    for choice in given.choices:
        choice = (choice or "").strip()
        if not choice or choice in choices:
            continue
        if len(choice) > CHOICE_MAX:
            raise Invalid(_("A choice is too long: %(choice)s") % {"choice": choice}, "choices")
        choices.append(choice)
    if given.kind in CHOICE_KINDS:
        if len(choices) < 2:
            raise Invalid(_("Give at least two choices, one per line."), "choices")
        if len(choices) > CHOICES_MAX:
            raise Invalid(_("Give at most %(count)s choices.") % {"count": CHOICES_MAX}, "choices")
    else:
        choices = []
    help_text = (given.help_text or "").strip()
    if len(help_text) > HELP_MAX:
        raise Invalid(_("The help is too long."), "help_text")
    return {
        "label": label,
        "kind": given.kind,
        "choices": choices,
        "is_required": bool(given.is_required),
        "help_text": help_text,
    }


def add_question(actor: User | None, campaign: Campaign, given: QuestionInput) -> Question:
    values = _check(given)
    with transaction.atomic():
        locked = _locked_draft(actor, campaign)
        last = locked.questions.aggregate(last=Max("order"))["last"] or 0
        question = Question.objects.create(campaign=locked, order=last + 1, **values)
        audit.record(actor, "campaigns.question.add", question, question.label)
    return question


def update_question(actor: User | None, question: Question, given: QuestionInput) -> Question:
    values = _check(given)
    with transaction.atomic():
        _locked_draft(actor, question.campaign)
        for name, value in values.items():
            setattr(question, name, value)
        question.save(update_fields=list(values))
        audit.record(actor, "campaigns.question.update", question, question.label)
    return question


def remove_question(actor: User | None, question: Question) -> None:
    with transaction.atomic():
        _locked_draft(actor, question.campaign)
        audit.record(actor, "campaigns.question.remove", question, question.label)
        question.delete()


def move_question(actor: User | None, question: Question, *, up: bool) -> None:
    """Swap the question with the one before (up) or after it."""
    with transaction.atomic():
        locked = _locked_draft(actor, question.campaign)
        questions = list(locked.questions.select_for_update().order_by("order", "pk"))
        index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(questions):
            return
        questions[index], questions[other] = questions[other], questions[index]
        for position, item in enumerate(questions, start=1):
            if item.order != position:
                item.order = position
                item.save(update_fields=["order"])
        audit.record(actor, "campaigns.question.move", question, question.label)
