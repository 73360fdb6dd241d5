"""The person-house registry (人房绑定): compounds, buildings and houses inside grids, the persons
who live in them and since when, the tags a city gives people (独居长者, 低保, …) and the care
visits grid workers make.

Follows the national basic-data schema for community governance (GB/T 31000) where it applies:
actual population (实有人口) as persons with residences, household registration (户籍/流动), special
groups as tags, houses and places with their use. ID and phone numbers are encrypted at rest and
found through blind indexes (`wangge.core.crypto`); nothing here is ever deleted by the app
except an expired sensitive tag, whose removal is itself logged.

A foreign key that a composite index or unique constraint already begins with has no index of
its own (`db_index=False`): every index is kept up to date on each insert, and imports write
millions of rows.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.crypto import EncryptedTextField


class Compound(models.Model):
    """A residential compound (小区) or a village group of houses, inside one grid."""

    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="compounds",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    property_manager = models.CharField(_("property manager"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["grid", "name"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="compound_name_unique_in_grid")
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋); in a compound, or standing alone in its grid (a village house)."""

    grid = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    compound = models.ForeignKey(
        Compound,
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="buildings",
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["grid", "compound", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "name"],
                condition=Q(compound__isnull=False),
                name="building_name_unique_in_compound",
            ),
            models.UniqueConstraint(
                fields=["grid", "name"],
                condition=Q(compound__isnull=True),
                name="building_name_unique_in_grid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound.name} {self.name}" if self.compound_id else self.name


class HouseUse(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("Owner-occupied")
    RENTED = "rented", _("Rented")
    VACANT = "vacant", _("Vacant")
    SHOP = "shop", _("Shop")
    OTHER = "other", _("Other")


# Printed on paper and typed on a phone: no 0/O, 1/I/L or lower case to misread.
HOUSE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
HOUSE_CODE_LENGTH = 10  # 31^10 ≈ 8·10^14: not guessable within any rate limit


def new_house_code() -> str:
    """A house's public code, which no one can work out from another house's."""
    return "".join(secrets.choice(HOUSE_CODE_ALPHABET) for _ in range(HOUSE_CODE_LENGTH))


class House(models.Model):
    """A house or flat (房屋): where people live. Its grid is its building's, kept here so that
    every scoped list is one indexed filter. `code` is printed on the house's doorplate and
    notices (一户一码): with the landlord's phone it lets a landlord report tenant changes."""

    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="houses",
        db_index=False,
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="houses",
        db_index=False,
    )
    number = models.CharField(_("house number"), max_length=32)
    code = models.CharField(_("house code"), max_length=16, unique=True, default=new_house_code)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200)
    area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    use = models.CharField(_("use"), max_length=16, choices=HouseUse, default=HouseUse.OTHER)
    owner = models.ForeignKey(
        "Person",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="houses_owned",
        db_index=False,
    )
    # A rented house: who lets it (业主负责制: they report tenant changes) and how many rooms.
    landlord = models.ForeignKey(
        "Person",
        verbose_name=_("landlord"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="houses_let",
        db_index=False,
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["building", "floor", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "number"], name="house_number_unique_in_building"
            )
        ]
        indexes = [models.Index(fields=["grid", "use"], name="house_grid_use_idx")]

    def __str__(self) -> str:
        return self.address


class Household(models.Model):
    """A household (家庭户) living in a house; its members are the residents linked to it."""

    house = models.ForeignKey(
        House, verbose_name=_("house"), on_delete=models.PROTECT, related_name="households"
    )
    number = models.CharField(_("household number"), max_length=32, blank=True)
    head = models.ForeignKey(
        "Person",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.number or f"{self.house} #{self.pk}"


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Resident ID card")  # 居民身份证
    HK_MACAO_PERMIT = "hk_macao_permit", _("Hong Kong/Macao resident permit")
    TAIWAN_PERMIT = "taiwan_permit", _("Taiwan resident permit")
    FOREIGN_PERMANENT = "foreign_permanent", _("Foreign permanent resident ID")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


class Registration(models.TextChoices):
    """Household registration (户籍) as it stands to where the person lives."""

    LOCAL = "local", _("Local (registered here)")  # 户籍人口
    FLOATING = "floating", _("Floating (registered elsewhere)")  # 流动人口
    OVERSEAS = "overseas", _("From outside the mainland")  # 境外人员
    UNKNOWN = "unknown", _("Unknown")


class Person(models.Model):
    """A person of the actual population (实有人口). `grid` is the grid the person belongs to:
    that of their current residence, or of their last one once they have moved out; a grid
    worker sees the people of their own grid only."""

    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="persons",
        db_index=False,
    )
    name = models.CharField(_("name"), max_length=64)
    document_type = models.CharField(
        _("document type"), max_length=20, choices=DocumentType, default=DocumentType.ID_CARD
    )
    document_number = EncryptedTextField(_("document number"), blank=True)
    # Blind index of (type, number): exact search and the one-record-per-document rule.
    document_index = models.CharField(max_length=32, blank=True, editable=False)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_index = models.CharField(max_length=32, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnic group"), max_length=16, blank=True)
    # Where the household registration (户籍) is: a division code of 6 to 12 digits.
    registered_region = models.CharField(_("registered region code"), max_length=12, blank=True)
    registered_address = models.CharField(_("registered address"), max_length=200, blank=True)
    registration = models.CharField(
        _("household registration"),
        max_length=10,
        choices=Registration,
        default=Registration.UNKNOWN,
    )
    workplace = models.CharField(_("workplace or school"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["grid", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_index"],
                condition=~Q(document_index=""),
                name="person_document_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["grid", "name"], name="person_grid_name_idx"),
            models.Index(fields=["phone_index"], name="person_phone_idx"),
            models.Index(fields=["grid", "registration"], name="person_grid_registration_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    OWNER = "owner", _("Owner")
    FAMILY = "family", _("Family member")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class Residence(models.Model):
    """A person living in a house from a date, until a date once they move out. Rows are never
    deleted: the change ledger (人员变动台账) is read from them."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="residences"
    )
    house = models.ForeignKey(
        House,
        verbose_name=_("house"),
        on_delete=models.PROTECT,
        related_name="residences",
        db_index=False,
    )
    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residences",
    )
    relation = models.CharField(_("relation"), max_length=8, choices=Relation)
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    move_out_reason = models.CharField(_("reason for moving out"), max_length=200, blank=True)
    # Who told us: a grid worker, an import, or the landlord (业主负责制).
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    source = models.CharField(_("source"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        ordering = ["-moved_in", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "house"],
                condition=Q(moved_out__isnull=True),
                name="residence_one_open_per_person_and_house",
            ),
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True) | Q(moved_out__gte=models.F("moved_in")),
                name="residence_moves_out_after_moving_in",
            ),
        ]
        indexes = [
            models.Index(fields=["house", "moved_out"], name="residence_house_idx"),
            models.Index(fields=["grid", "moved_in"], name="residence_grid_in_idx"),
            models.Index(fields=["grid", "moved_out"], name="residence_grid_out_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.house}"


class TagKind(models.Model):
    """A tag a city gives people (独居长者, 残疾人, 低保, 退役军人, 社区矫正, …).

    `visit_every_days`: how often a grid worker visits a person with it (None: no care visits).
    A sensitive tag is seen only by the roles listed in `visible_to_roles`, asks for a purpose
    each time it is opened, and expires `retention_days` after it was given.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    visit_every_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), null=True, blank=True
    )
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    visible_to_roles = models.JSONField(_("roles that see it"), default=list, blank=True)
    retention_days = models.PositiveIntegerField(_("kept for (days)"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("person tag")
        verbose_name_plural = _("person tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PersonTag(models.Model):
    """A tag given to a person, from a date; a sensitive one until `expires_at`."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="tags",
        db_index=False,
    )
    kind = models.ForeignKey(
        TagKind,
        verbose_name=_("tag"),
        on_delete=models.PROTECT,
        related_name="given",
        db_index=False,
    )
    since = models.DateField(_("since"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("tag of a person")
        verbose_name_plural = _("tags of persons")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="person_tag_once"),
        ]
        indexes = [
            models.Index(fields=["kind", "person"], name="person_tag_kind_idx"),
            models.Index(fields=["expires_at"], name="person_tag_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.kind}"


class VisitOutcome(models.TextChoices):
    WELL = "well", _("All well")
    NEEDS_HELP = "needs_help", _("Needs help")
    NOT_MET = "not_met", _("Not met")


class CareVisit(models.Model):
    """A grid worker's visit to a person who needs care: who, when, what was found, and the
    case opened to follow it up, if any."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="care_visits",
        db_index=False,
    )
    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    visited_at = models.DateTimeField(_("visited at"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=VisitOutcome)
    found = models.TextField(_("what was found"), blank=True)
    follow_up = models.ForeignKey(
        "cases.Case",
        verbose_name=_("follow-up case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        ordering = ["-visited_at"]
        indexes = [
            models.Index(fields=["person", "visited_at"], name="care_visit_person_idx"),
            models.Index(fields=["grid", "visited_at"], name="care_visit_grid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.visited_at:%Y-%m-%d}"


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")  # 企业
    SELF_EMPLOYED = "self_employed", _("Individual business")  # 个体工商户
    GOVERNMENT = "government", _("Government agency")  # 机关
    PUBLIC_INSTITUTION = "public_institution", _("Public institution")  # 事业单位
    SOCIAL_ORGANISATION = "social_organisation", _("Social organisation")  # 社会组织
    SCHOOL = "school", _("School")
    MEDICAL = "medical", _("Medical institution")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """An organisation or place in a grid (实有单位/场所, GB/T 31000): a shop, a company, a school.
    `is_key_place` marks the places a grid worker inspects for safety (九小场所 and the like)."""

    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    house = models.ForeignKey(
        House,
        verbose_name=_("premises"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind)
    # 统一社会信用代码 (GB 32100), checked with its check character; empty for those without one.
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    contact_phone_index = models.CharField(max_length=32, blank=True, editable=False)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    is_key_place = models.BooleanField(_("key place for safety checks"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["grid", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organisation_credit_code_unique",
            ),
        ]
        indexes = [models.Index(fields=["grid", "kind"], name="organisation_grid_kind_idx")]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """One import of a registry file, run by the worker so it survives the browser closing; the
    page polls its progress. The file and the error sheet are kept under MEDIA_ROOT (outside
    the web root) and served only to the person who imported them."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused: some rows are wrong")
        FAILED = "failed", _("Failed")

    uid = models.UUIDField(unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("what is imported"), max_length=16)
    filename = models.CharField(_("file"), max_length=200)
    stored_path = models.CharField(max_length=300, editable=False)
    valid_only = models.BooleanField(_("write the valid rows only"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows checked or written"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows refused"), default=0)
    error_sheet_path = models.CharField(max_length=300, blank=True, editable=False)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "created_at"], name="import_job_owner_idx")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.state})"


class Reveal(models.Model):
    """Somebody saw a whole ID or phone number, or opened a sensitive tag: who, whose, what,
    when and why. Written in the transaction that shows the value; never changed."""

    class Field(models.TextChoices):
        DOCUMENT_NUMBER = "document_number", _("Document number")
        PHONE = "phone", _("Phone")
        SENSITIVE_TAGS = "sensitive_tags", _("Sensitive tags")

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("whose"),
        on_delete=models.PROTECT,
        related_name="reveals",
        db_index=False,
    )
    field = models.CharField(_("what"), max_length=16, choices=Field)
    reason = models.CharField(_("reason"), max_length=200)
    grid = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["grid", "at"], name="reveal_grid_at_idx"),
            models.Index(fields=["person", "at"], name="reveal_person_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} → {self.person} ({self.field})"
