"""The org tree (district → town → community → grid, plus departments), grid kinds, the map
version that tells every process when grid boundaries changed, and memberships (roles)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core.fields import TreePathField
from wangge.org.roles import Role, UnitKind


class GridKind(models.Model):
    """Full-time and part-time grids ship by default; a city may add its own kinds."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("grid kind")
        verbose_name_plural = _("grid kinds")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("The 12-digit statistical division code where one exists."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # /<root pk>/.../<own pk>/ : a subtree is one indexed prefix query (see core.fields).
    path = TreePathField(_("tree path"), editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    grid_kind = models.ForeignKey(
        GridKind, verbose_name=_("grid kind"), null=True, blank=True, on_delete=models.PROTECT
    )
    # GeoJSON Polygon or MultiPolygon geometry in WGS84 lon/lat, exactly as imported.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    # Other properties an imported feature carried, kept so that export gives them back.
    properties = models.JSONField(_("other properties"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "parent"], name="org_unit_kind_parent_idx")]
        constraints = [
            # One index serves both uniqueness and subtree prefix queries (pattern_ops makes
            # LIKE 'prefix%' indexable on PostgreSQL; SQLite ignores opclasses and uses GLOB).
            models.UniqueConstraint(
                fields=["path"], name="org_unit_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.CheckConstraint(
                condition=models.Q(kind=UnitKind.GRID) | models.Q(grid_kind__isnull=True),
                name="org_unit_grid_kind_only_on_grids",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_grid(self) -> bool:
        return self.kind == UnitKind.GRID

    @property
    def ancestor_pks(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1]]


class MapVersion(models.Model):
    """One row, bumped in the same transaction as any change to grid boundaries.

    Each process compares it with the version its in-memory grid index was built from, so a
    change made by any process is seen by all of them without a restart.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("map version")
        verbose_name_plural = _("map version")

    def __str__(self) -> str:
        return str(self.version)


class Membership(models.Model):
    """A role a user holds within one org unit's subtree. A person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="org_membership_unique_role_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
