"""Canvass campaigns (敲门行动/摸排): what a campaign targets (houses or persons, chosen by org
units, compounds, buildings, house use and person tags), the questionnaire its organiser builds,
the outcome codes a city uses, the targets materialised when it opens (one row per house or
person, with its grid, building and floor for ordering, and who is to visit it), and every visit
made, kept forever: the latest visit decides a target's state.

A target copies what its list is ordered and shown by (compound, building, floor, number, a
label and an address) when the campaign opens, so that a helper's list is one indexed query and a
building volunteer, who may not read the registry, still sees where to knock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class TargetKind(models.TextChoices):
    HOUSES = "houses", _("Houses")
    PERSONS = "persons", _("Persons")


class OutcomeCode(models.Model):
    """What a visit found (已登记, 无人在家, 今晚回 …), a table the city edits. `counts_as_reached`:
    somebody was met or the matter settled; `is_done`: the target needs no more visits (else it
    stays on the list to revisit)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32)
    counts_as_reached = models.BooleanField(_("counts as reached"), default=False)
    is_done = models.BooleanField(_("done (no revisit)"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("visit outcome")
        verbose_name_plural = _("visit outcomes")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A canvass campaign run by a community, town or district. Its selectors combine: a target
    must match every kind of selector given, and any one value of each (no selector of a kind:
    no condition of that kind); everything stays inside `unit`'s subtree."""

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("run by"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    state = models.CharField(
        _("state"), max_length=8, choices=CampaignState, default=CampaignState.DRAFT
    )
    target_kind = models.CharField(
        _("targets"), max_length=8, choices=TargetKind, default=TargetKind.HOUSES
    )
    select_units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("in these org units"), blank=True, related_name="+"
    )
    select_compounds = models.ManyToManyField(
        "people.Compound", verbose_name=_("in these compounds"), blank=True, related_name="+"
    )
    select_buildings = models.ManyToManyField(
        "people.Building", verbose_name=_("in these buildings"), blank=True, related_name="+"
    )
    select_uses = models.JSONField(_("house uses"), default=list, blank=True)
    select_tags = models.ManyToManyField(
        "people.TagKind", verbose_name=_("with these tags"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("canvass campaign")
        verbose_name_plural = _("canvass campaigns")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["unit", "state"], name="campaign_unit_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == CampaignState.OPEN


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    SINGLE = "single", _("One choice")
    MULTIPLE = "multiple", _("Several choices")
    # "Number" alone is a house number (编号) elsewhere in the catalogue.
    NUMBER = "number", pgettext_lazy("kind of answer", "Number")
    DATE = "date", _("Date")
    PHOTO = "photo", _("Photo")


class Question(models.Model):
    """One question of a campaign's questionnaire; answers are kept by the question's id."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["campaign", "order", "pk"]

    def __str__(self) -> str:
        return self.label


class Target(models.Model):
    """A house or a person a campaign visits, with who is to visit it, and its state as the
    latest visit (by when it was made) left it."""

    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="targets",
        db_index=False,
    )
    house = models.ForeignKey(
        "people.House",
        verbose_name=_("house"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    building = models.ForeignKey(
        "people.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    compound_name = models.CharField(_("compound"), max_length=100, blank=True)
    building_name = models.CharField(_("building"), max_length=100, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    number = models.CharField(_("house number"), max_length=32, blank=True)
    label = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=16, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visits = models.PositiveIntegerField(_("visits"), default=0)
    last_outcome = models.ForeignKey(
        OutcomeCode,
        verbose_name=_("outcome"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_visited_at = models.DateTimeField(_("last visited at"), null=True, blank=True)
    is_reached = models.BooleanField(_("reached"), default=False)
    is_done = models.BooleanField(_("done"), default=False)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("canvass target")
        verbose_name_plural = _("canvass targets")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "house"],
                condition=Q(house__isnull=False, person__isnull=True),
                name="target_house_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "person"],
                condition=Q(person__isnull=False),
                name="target_person_once",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "grid"], name="target_campaign_grid_idx"),
            models.Index(fields=["assignee", "campaign"], name="target_assignee_idx"),
            models.Index(fields=["house"], name="target_house_idx"),
        ]

    def __str__(self) -> str:
        return self.label


class DoorProof(models.TextChoices):
    NONE = "", _("Not proved")
    DOORPLATE = "doorplate", _("Scanned the doorplate")


class Visit(models.Model):
    """One visit to a target: when, by whom, the outcome, the answers (by question id) and how
    it was proved to be made at the door. `client_uuid` is made by the visitor's browser: the
    same visit sent twice (a weak network, a resend from the offline queue) is stored once."""

    client_uuid = models.UUIDField(_("client id"), unique=True)
    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.PROTECT, related_name="visit_rows"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visitor"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("visited at"))
    outcome = models.ForeignKey(
        OutcomeCode, verbose_name=_("outcome"), on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    proof = models.CharField(
        _("made at the door"), max_length=12, choices=DoorProof, blank=True, default=""
    )
    door_scanned_at = models.DateTimeField(_("doorplate scanned at"), null=True, blank=True)
    new_resident = models.ForeignKey(
        "people.Person",
        verbose_name=_("resident registered"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("canvass visit")
        verbose_name_plural = _("canvass visits")
        ordering = ["-visited_at", "-pk"]
        indexes = [
            models.Index(fields=["target", "visited_at"], name="visit_target_idx"),
            models.Index(fields=["campaign", "grid"], name="visit_campaign_grid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.visited_at:%Y-%m-%d %H:%M}"


class TargetNeed(models.Model):
    """A need (需求清单) raised at the door: the claims app's Need, with the target it came from
    and who raised it. One target may raise several needs; a need comes from one target."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.PROTECT, related_name="needs_raised"
    )
    need = models.OneToOneField(
        "claims.Need", verbose_name=_("need"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised at"))

    class Meta:
        verbose_name = _("need raised at the door")
        verbose_name_plural = _("needs raised at the door")
        ordering = ["-raised_at", "-pk"]

    def __str__(self) -> str:
        return str(self.need_id)
