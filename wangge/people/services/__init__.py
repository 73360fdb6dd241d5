"""The registry's rules, one module per concern; pages, the API, the CLI and imports call these."""

from wangge.people.services.care import (
    VisitDue,
    expire_sensitive_tags,
    give_tag,
    open_sensitive_tags,
    record_visit,
    remove_tag,
    visits_due,
)
from wangge.people.services.households import save_household
from wangge.people.services.landlord import (
    landlord_house,
    landlord_reports_move_in,
    landlord_reports_move_out,
    tenants_of,
)
from wangge.people.services.organisations import (
    OrganisationInput,
    check_credit_code,
    save_organisation,
)
from wangge.people.services.persons import (
    PersonInput,
    check_person,
    find_by_document,
    register_person,
    registration_of,
    stored_input,
    update_person,
)
from wangge.people.services.places import (
    HouseInput,
    check_house,
    save_building,
    save_compound,
    save_house,
)
from wangge.people.services.residence import (
    LedgerLine,
    crowded_rentals,
    current_residents,
    is_crowded,
    ledger,
    move_in,
    move_out,
)
from wangge.people.services.reveal import reveal, visible_reveals
from wangge.people.services.tag_kinds import (
    TagCodeTaken,
    TagKindInput,
    may_manage_tag_kinds,
    save_tag_kind,
)

__all__ = [
    "HouseInput",
    "LedgerLine",
    "OrganisationInput",
    "PersonInput",
    "TagCodeTaken",
    "TagKindInput",
    "VisitDue",
    "check_credit_code",
    "check_house",
    "check_person",
    "crowded_rentals",
    "current_residents",
    "expire_sensitive_tags",
    "find_by_document",
    "give_tag",
    "is_crowded",
    "landlord_house",
    "landlord_reports_move_in",
    "landlord_reports_move_out",
    "ledger",
    "may_manage_tag_kinds",
    "move_in",
    "move_out",
    "open_sensitive_tags",
    "record_visit",
    "register_person",
    "registration_of",
    "remove_tag",
    "reveal",
    "save_building",
    "save_compound",
    "save_house",
    "save_household",
    "save_organisation",
    "save_tag_kind",
    "stored_input",
    "tenants_of",
    "update_person",
    "visible_reveals",
    "visits_due",
]
