"""Routing's records: each trained model version (with its evaluation report, one active), the
city's policy for automatic dispatch, and the suggestion made for each case with what the
dispatcher did with it (a correction is kept as a training example)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelSource(models.TextChoices):
    CASES = "cases", _("The platform's closed cases")
    FILE = "file", _("A labelled file")


class ModelVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    source = models.CharField(_("trained on"), max_length=8, choices=ModelSource.choices)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    labels = models.JSONField(_("categories"), default=list)  # category codes the model knows
    trained_on = models.PositiveIntegerField(_("examples"))
    # EvaluationReport.as_dict(): accuracy, macro-F1, per class, confusion matrix, notes.
    report = models.JSONField(_("evaluation report"), default=dict)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    model = models.BinaryField(_("model"))  # classifier.to_bytes

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="routing_one_active_model",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class RoutingPolicy(models.Model):
    """The city's one policy row (pk 1)."""

    # Empty: never dispatch automatically. Otherwise a suggestion at least this confident is
    # accepted and dispatched to its category's default department by the system.
    auto_dispatch_confidence = models.DecimalField(
        _("confidence for automatic dispatch"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("1"))],
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("routing policy")
        verbose_name_plural = _("routing policies")

    def __str__(self) -> str:
        return f"auto dispatch ≥ {self.auto_dispatch_confidence}"


class Outcome(models.TextChoices):
    PENDING = "pending", _("Waiting for the dispatcher")
    CONFIRMED = "confirmed", _("Confirmed")
    CORRECTED = "corrected", _("Corrected")
    AUTOMATIC = "automatic", _("Dispatched automatically")
    UNUSED = "unused", _("Not accepted")  # declined or merged: says nothing of the category


class Suggestion(models.Model):
    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="routing_suggestion"
    )
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "cases.Category", on_delete=models.PROTECT, related_name="+", verbose_name=_("category")
    )
    confidence = models.FloatField(_("confidence"))
    # [[category code, confidence], …]: the next most likely categories.
    alternatives = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("suggested at"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    # The category the case was accepted with, when it differs: a training example.
    corrected_to = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["outcome", "created_at"], name="routing_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.category_id} ({self.confidence:.2f})"

    def alternative_categories(self) -> list[tuple[object, float]]:
        """(category, confidence) of the next most likely categories still active."""
        from wangge.cases.models import Category

        codes = [code for code, _confidence in self.alternatives]
        found = {c.code: c for c in Category.objects.filter(code__in=codes, is_active=True)}
        return [(found[code], share) for code, share in self.alternatives if code in found]


class TopicAlert(models.Model):
    """A hot topic told to a unit's dispatchers and leaders (`hot_topics.alert_hot_topics`):
    the cases it held when last found hot, so the same topic found again (sharing most of its
    cases) is not told again while it stays hot."""

    unit_id = models.BigIntegerField()
    anchor = models.CharField(max_length=16)  # the topic's earliest case number when told
    label = models.CharField(max_length=200, blank=True)
    cases = models.JSONField(default=list)  # case numbers (this period and the one before)
    first_hot_on = models.DateField()
    last_hot_on = models.DateField()
    alerted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit_id", "anchor", "first_hot_on"], name="routing_topic_alert_claim"
            )
        ]
        indexes = [models.Index(fields=["unit_id", "last_hot_on"], name="routing_topic_alert_idx")]

    def __str__(self) -> str:
        return f"hot topic {self.anchor} of unit {self.unit_id} from {self.first_hot_on}"
