"""Case categories: a two-level tree (大类/小类) of the kinds of work a case can be, each leaf
carrying its own deadlines, supervision ladder, grid-entry flag and Open311 attributes.

Categories are data a city edits (through `wangge.cases.services`), not code; the default set
ships in a data migration. A child does not read anything from its parent at run time: it
carries its own values, so changing a top-level class never silently moves a leaf's deadlines.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("Component")  # 部件: a public facility that is broken or missing
    EVENT = "event", _("Event")  # 事件: something happening in the street
    REQUEST = "request", _("Request")  # 诉求: what a resident asks for


class DeadlineUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")
    # Emergencies run on the wall clock: a gas leak at 22:00 cannot wait for office hours.
    HOURS = "hours", _("hours")


# The stages a category sets a deadline for, in case order.
STAGES = ("accept", "dispatch", "handle")


def _amount_field(verbose_name: str) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, default=1)


def _unit_field(verbose_name: str, default: str) -> models.CharField:
    return models.CharField(
        verbose_name, max_length=16, choices=DeadlineUnit.choices, default=default
    )


class Category(models.Model):
    parent = models.ForeignKey(
        "self",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("Empty for a top-level class; a subcategory's class must be top-level."),
    )
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short and stable: Open311 clients use it as the service code."),
    )
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices)
    default_department = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("default department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_grid_entry = models.BooleanField(
        _("grid-entry item"),
        default=False,
        help_text=_("Whether cases of this kind may be pushed down to grid workers."),
    )
    # Open311 attribute definitions: [{code, datatype, required, description, order, values}].
    open311_attributes = models.JSONField(_("Open311 attributes"), default=list, blank=True)

    accept_amount = _amount_field(_("time to accept"))
    accept_unit = _unit_field(_("unit of the time to accept"), DeadlineUnit.WORKING_HOURS)
    dispatch_amount = _amount_field(_("time to dispatch"))
    dispatch_unit = _unit_field(_("unit of the time to dispatch"), DeadlineUnit.WORKING_HOURS)
    handle_amount = _amount_field(_("time to handle"))
    handle_unit = _unit_field(_("unit of the time to handle"), DeadlineUnit.WORKING_DAYS)

    # The supervision ladder (督办): a reminder at the deadline, then a yellow and a red card
    # this many working days late.
    accept_yellow_days = models.PositiveSmallIntegerField(
        _("yellow card for acceptance after (working days late)"), default=1
    )
    accept_red_days = models.PositiveSmallIntegerField(
        _("red card for acceptance after (working days late)"), default=2
    )
    handle_yellow_days = models.PositiveSmallIntegerField(
        _("yellow card for handling after (working days late)"), default=5
    )
    handle_red_days = models.PositiveSmallIntegerField(
        _("red card for handling after (working days late)"), default=10
    )

    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CategoryKind.values), name="case_category_kind_known"
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{stage}_amount__gt": 0}),
                    name=f"case_category_{stage}_amount_positive",
                )
                for stage in STAGES
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{stage}_unit__in": DeadlineUnit.values}),
                    name=f"case_category_{stage}_unit_known",
                )
                for stage in STAGES
            ),
            models.CheckConstraint(
                condition=models.Q(accept_yellow_days__gt=0)
                & models.Q(accept_red_days__gt=models.F("accept_yellow_days")),
                name="case_category_accept_red_after_yellow",
            ),
            models.CheckConstraint(
                condition=models.Q(handle_yellow_days__gt=0)
                & models.Q(handle_red_days__gt=models.F("handle_yellow_days")),
                name="case_category_handle_red_after_yellow",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_top_level(self) -> bool:
        return self.parent_id is None
