"""Evaluation (考核) tables: indicator systems a city configures (dimensions and indicators with
weights), rounds (a system over a period) with their results per subject and the lines behind
every score, manual scores with evidence, and appeals (申诉/核减) against single cases.

A round keeps a frozen copy of its system (`Round.definition`), taken each time it is computed:
the system stays editable, and a published round keeps the definition it was scored by."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    GRID_WORKERS = "grid_workers", _("Grid workers")
    DISPATCHERS = "dispatchers", _("Dispatchers")
    DEPARTMENTS = "departments", _("Departments")
    COMMUNITIES = "communities", _("Communities and villages")
    PERSONS = "persons", _("Persons of a role")  # e.g. liaisons among community staff


class Method(models.TextChoices):
    COMPUTED = "computed", _("Computed from a figure")
    MANUAL = "manual", _("Scored by an evaluator")


class IndicatorSystem(models.Model):
    """What is evaluated, for whom: the subjects of one kind within `unit`'s subtree."""

    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    subject_kind = models.CharField(_("evaluated"), max_length=16, choices=SubjectKind.choices)
    # For PERSONS: the role whose holders are evaluated.
    subject_role = models.CharField(_("role evaluated"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("indicator system")
        verbose_name_plural = _("indicator systems")
        ordering = ["unit__path", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject_kind__in=SubjectKind.values),
                name="evaluation_system_subject_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Dimension(models.Model):
    """A group of indicators; its weight is its share of the 100 points."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="dimensions")
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["system", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gt=0, weight__lte=100),
                name="evaluation_dimension_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """One scored item: its weight is its share of its dimension's points. Computed ones score
    points × min(1, value / target) (or target / value when lower is better); manual ones are
    scored by an evaluator up to the points."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    figure = models.CharField(_("figure"), max_length=48, blank=True)
    # The value that earns full points (a rate as a fraction, e.g. 0.95; a count as a count).
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    description = models.TextField(_("how it is scored"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["dimension", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gt=0, weight__lte=100),
                name="evaluation_indicator_weight_range",
            ),
            models.CheckConstraint(
                condition=models.Q(method=Method.MANUAL, figure="")
                | (models.Q(method=Method.COMPUTED) & ~models.Q(figure="")),
                name="evaluation_indicator_figure_when_computed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")
    CUSTOM = "custom", _("Custom period")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Round(models.Model):
    """A system applied to one period: computed until published, locked once published."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="rounds")
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    state = models.CharField(
        _("state"), max_length=12, choices=RoundState.choices, default=RoundState.DRAFT
    )
    # The system as it was scored: {"dimensions": [{"id", "name", "weight", "indicators": [...]}]}
    definition = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        ordering = ["-first_day", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "first_day", "last_day"], name="evaluation_round_once"
            ),
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="evaluation_round_period_order",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=RoundState.values),
                name="evaluation_round_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.first_day}–{self.last_day}"

    @property
    def is_published(self) -> bool:
        return self.state == RoundState.PUBLISHED


class Result(models.Model):
    """One subject's result in a round: a person or a unit."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where the subject works (a person's unit, a unit itself): scope follows this path.
    home = models.ForeignKey("org.OrgUnit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2, default=0)
    # {dimension id (as text): subtotal}
    subtotals = models.JSONField(default=dict, blank=True)
    rank = models.PositiveIntegerField(_("rank"), default=0)

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ["round", "rank", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, unit__isnull=False)
                | models.Q(user__isnull=False, unit__isnull=True),
                name="evaluation_result_one_subject",
            ),
            models.UniqueConstraint(
                fields=["round", "user"],
                condition=models.Q(user__isnull=False),
                name="evaluation_result_user_once",
            ),
            models.UniqueConstraint(
                fields=["round", "unit"],
                condition=models.Q(unit__isnull=False),
                name="evaluation_result_unit_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.total}"


class ResultLine(models.Model):
    """What one indicator gave one subject: the figure's value, numerator and denominator (or
    the manual score), and the points earned."""

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="lines")
    indicator_id = models.PositiveIntegerField()  # in the round's definition
    dimension_id = models.PositiveIntegerField()
    value = models.FloatField(null=True, blank=True)
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    excluded_cases = models.PositiveIntegerField(default=0)
    points = models.DecimalField(max_digits=7, decimal_places=2)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("result line")
        verbose_name_plural = _("result lines")
        ordering = ["result", "pk"]

    def __str__(self) -> str:
        return f"{self.result_id}/{self.indicator_id}"


class ManualScore(models.Model):
    """An evaluator's score of a manual indicator for one subject of a round, with a note and
    evidence; kept across recomputing."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="manual_scores")
    indicator_id = models.PositiveIntegerField()
    subject = models.CharField(max_length=24)  # "user:<id>" or "unit:<id>"
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "indicator_id", "subject"], name="evaluation_manual_score_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.score}"


class ScoreEvidence(models.Model):
    score = models.ForeignKey(ManualScore, on_delete=models.CASCADE, related_name="evidence")
    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.attachment_id)


class AppealReason(models.TextChoices):
    UNREASONABLE = "unreasonable", _("Unreasonable complaint")  # 无理诉求
    NOT_OURS = "not_ours", _("Not our responsibility")  # 非本单位职责
    OTHER = "other", _("Other")


class AppealState(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Appeal(models.Model):
    """A unit asks not to be scored on one case in a round; approved, the case leaves that
    unit's (and its people's) figures in every round not yet published."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="appeals")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=AppealReason.choices)
    explanation = models.TextField(_("explanation"))
    state = models.CharField(
        _("state"), max_length=12, choices=AppealState.choices, default=AppealState.OPEN
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit"],
                condition=models.Q(state="open"),
                name="evaluation_appeal_one_open_per_case_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=AppealState.values),
                name="evaluation_appeal_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.unit_id} {self.state}"


class AppealEvidence(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="evidence")
    attachment = models.OneToOneField(
        "cases.Attachment", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.attachment_id)
