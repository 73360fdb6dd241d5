"""Which houses or persons a campaign targets, and their materialisation when it opens: one
INSERT … SELECT, whatever the number of targets, so a district-wide campaign of tens of
thousands of houses opens in one statement.

Selectors combine as the model says: every kind given must match, any one value of a kind. A
house matches a person tag when somebody living there now carries it; a person matches a house
use, compound or building through the house they live in now.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat

from wangge.campaigns.models import Campaign, Target, TargetKind
from wangge.people.models import House, Person, PersonTag, Residence


def _within(campaign: Campaign, prefix: str) -> Q:
    condition = Q(**{f"{prefix}path__descendant_of": campaign.unit.path})
    units = list(campaign.select_units.all())
    if units:
        any_unit = Q()
        for unit in units:
            any_unit |= Q(**{f"{prefix}path__descendant_of": unit.path})
        condition &= any_unit
    return condition & Q(**{f"{prefix}is_active": True})


def selected_houses(campaign: Campaign) -> QuerySet[House]:
    houses = House.objects.filter(_within(campaign, "grid__"))
    compounds = list(campaign.select_compounds.values_list("pk", flat=True))
    if compounds:
        houses = houses.filter(building__compound__in=compounds)
    buildings = list(campaign.select_buildings.values_list("pk", flat=True))
    if buildings:
        houses = houses.filter(building__in=buildings)
    if campaign.select_uses:
        houses = houses.filter(use__in=campaign.select_uses)
    tags = list(campaign.select_tags.values_list("pk", flat=True))
    if tags:
        tagged = PersonTag.objects.filter(kind__in=tags).values("person")
        living = Residence.objects.filter(moved_out__isnull=True, person__in=tagged)
        houses = houses.filter(pk__in=living.values("house"))
    return houses


def selected_persons(campaign: Campaign) -> QuerySet[Person]:
    persons = Person.objects.filter(_within(campaign, "grid__"))
    living = Residence.objects.filter(moved_out__isnull=True)
    compounds = list(campaign.select_compounds.values_list("pk", flat=True))
    if compounds:
        persons = persons.filter(
            pk__in=living.filter(house__building__compound__in=compounds).values("person")
        )
    buildings = list(campaign.select_buildings.values_list("pk", flat=True))
    if buildings:
        persons = persons.filter(
            pk__in=living.filter(house__building__in=buildings).values("person")
        )
    if campaign.select_uses:
        persons = persons.filter(
            pk__in=living.filter(house__use__in=campaign.select_uses).values("person")
        )
    tags = list(campaign.select_tags.values_list("pk", flat=True))
    if tags:
        persons = persons.filter(pk__in=PersonTag.objects.filter(kind__in=tags).values("person"))
    return persons


def selected(campaign: Campaign) -> QuerySet:
    if campaign.target_kind == TargetKind.PERSONS:
        return selected_persons(campaign)
    return selected_houses(campaign)


_COLUMNS = (
    "campaign_id",
    "house_id",
    "person_id",
    "grid_id",
    "building_id",
    "compound_name",
    "building_name",
    "floor",
    "number",
    "label",
    "address",
    "category",
    "assignee_id",
    "visits",
    "is_reached",
    "is_done",
    "created_at",
)


def _constants(campaign: Campaign, now: datetime) -> dict:
    return {
        "c_campaign_id": Value(campaign.pk, output_field=IntegerField()),
        "c_assignee_id": Value(None, output_field=IntegerField()),
        "c_visits": Value(0, output_field=IntegerField()),
        "c_is_reached": Value(False, output_field=BooleanField()),
        "c_is_done": Value(False, output_field=BooleanField()),
        "c_created_at": Value(now, output_field=DateTimeField()),
    }


def _in_order(columns: dict) -> dict:
    # Annotated in the order of the INSERT's columns, whichever order a SELECT lists them in.
    return {f"c_{column}": columns[f"c_{column}"] for column in _COLUMNS}


def _house_rows(campaign: Campaign, now: datetime) -> QuerySet:
    text = CharField()
    columns = {
        **_constants(campaign, now),
        "c_house_id": F("pk"),
        "c_person_id": Value(None, output_field=IntegerField()),
        "c_grid_id": F("grid_id"),
        "c_building_id": F("building_id"),
        "c_compound_name": Coalesce(F("building__compound__name"), Value(""), output_field=text),
        "c_building_name": F("building__name"),
        "c_floor": F("floor"),
        "c_number": F("number"),
        "c_label": Concat(F("building__name"), Value(" "), F("number"), output_field=text),
        "c_address": F("address"),
        "c_category": F("use"),
    }
    return selected_houses(campaign).annotate(**_in_order(columns))


def _person_rows(campaign: Campaign, now: datetime) -> QuerySet:
    text = CharField()
    home = Residence.objects.filter(person=OuterRef("pk"), moved_out__isnull=True).order_by(
        "-moved_in", "-pk"
    )

    def of_home(path: str) -> Subquery:
        return Subquery(home.values(path)[:1])

    columns = {
        **_constants(campaign, now),
        "c_house_id": of_home("house"),
        "c_person_id": F("pk"),
        "c_grid_id": F("grid_id"),
        "c_building_id": of_home("house__building"),
        "c_compound_name": Coalesce(
            of_home("house__building__compound__name"), Value(""), output_field=text
        ),
        "c_building_name": Coalesce(of_home("house__building__name"), Value(""), output_field=text),
        "c_floor": of_home("house__floor"),
        "c_number": Coalesce(of_home("house__number"), Value(""), output_field=text),
        "c_label": F("name"),
        "c_address": Coalesce(of_home("house__address"), Value(""), output_field=text),
        "c_category": Coalesce(of_home("house__use"), Value(""), output_field=text),
    }
    return selected_persons(campaign).annotate(**_in_order(columns))


def materialise_targets(campaign: Campaign, now: datetime) -> int:
    """Insert one target per selected house or person, in one statement; the number inserted."""
    rows = (
        _person_rows(campaign, now)
        if campaign.target_kind == TargetKind.PERSONS
        else _house_rows(campaign, now)
    )
    names = [f"c_{column}" for column in _COLUMNS]
    rows = rows.order_by().values_list(*names)
    select, params = rows.query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    table = quote(Target._meta.db_table)
    columns = ", ".join(quote(column) for column in _COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        return cursor.rowcount
