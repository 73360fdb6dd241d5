"""Forms of the registry's pages. They shape what was typed; the rules (a valid ID number, a
moving-out date after the moving-in one, who may do what) are the services', whose refusals
(`Invalid.field`) `RegistryForm.add_refusal` puts beside the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.org.roles import Role
from wangge.people.imports.columns import KINDS
from wangge.people.models import (
    Building,
    Compound,
    DocumentType,
    House,
    HouseUse,
    OrganisationKind,
    Relation,
    Reveal,
    Sex,
    TagKind,
    VisitOutcome,
)

TEXT_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistryForm(forms.Form):
    """A form whose values go to a registry service. `SERVICE_FIELDS` maps a service's field
    name to this form's, where they differ."""

    SERVICE_FIELDS: dict[str, str] = {}

    def add_refusal(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field, field)
        self.add_error(target if target in self.fields else None, message)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find a person"),
        max_length=64,
        required=False,
        help_text=_("A whole ID or phone number, or part of a name."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class GridFilterForm(forms.Form):
    use = forms.ChoiceField(
        label=_("Use"), required=False, choices=[("", _("Any use")), *HouseUse.choices]
    )
    crowded = forms.BooleanField(label=_("Crowded rentals only"), required=False)


class CompoundForm(RegistryForm):
    name = forms.CharField(label=_("Compound name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    property_manager = forms.CharField(label=_("Property manager"), max_length=100, required=False)


class BuildingForm(RegistryForm):
    compound = forms.ModelChoiceField(
        label=_("Compound"),
        queryset=Compound.objects.none(),
        required=False,
        empty_label=_("None (a building on its own)"),
    )
    name = forms.CharField(label=_("Building name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    floors = forms.IntegerField(label=_("Floors"), required=False)

    def __init__(self, *args: Any, compounds: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if compounds is not None:
            self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]


class HouseForm(RegistryForm):
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    number = forms.CharField(label=_("House number"), max_length=32)
    floor = forms.IntegerField(label=_("Floor"), required=False)
    use = forms.ChoiceField(label=_("Use"), choices=HouseUse.choices, initial=HouseUse.OTHER)
    rooms = forms.IntegerField(label=_("Rooms"), required=False)
    area_m2 = forms.DecimalField(
        label=_("Floor area (m²)"), required=False, max_digits=8, decimal_places=2
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for the building's address and the house number."),
    )

    def __init__(self, *args: Any, buildings: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if buildings is not None:
            self.fields["building"].queryset = buildings  # type: ignore[attr-defined]


class HouseFactsForm(RegistryForm):
    """A house's use and rental facts; the landlord is found by their ID number."""

    use = forms.ChoiceField(label=_("Use"), choices=HouseUse.choices)
    floor = forms.IntegerField(label=_("Floor"), required=False)
    rooms = forms.IntegerField(label=_("Rooms"), required=False)
    area_m2 = forms.DecimalField(
        label=_("Floor area (m²)"), required=False, max_digits=8, decimal_places=2
    )
    landlord_document = forms.CharField(
        label=_("Landlord's ID number"),
        max_length=32,
        required=False,
        help_text=_("For a rented house; leave empty to keep the landlord on record."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    SERVICE_FIELDS = {"landlord": "landlord_document"}


class MoveInForm(RegistryForm):
    """Someone moves in: a person on record, found by their document, or a new person."""

    document_type = forms.ChoiceField(
        label=_("Document type"), choices=DocumentType.choices, initial=DocumentType.ID_CARD
    )
    document_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        help_text=_("A person on record moves in; anyone else is registered with a name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    name = forms.CharField(label=_("Name (for a new person)"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    relation = forms.ChoiceField(label=_("Relation to the house"), choices=Relation.choices)
    moved_in = forms.DateField(label=_("Moved in on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["moved_in"].initial = clock.today()


class MoveOutForm(RegistryForm):
    moved_out = forms.DateField(label=_("Moved out on"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["moved_out"].initial = clock.today()


class RevealForm(RegistryForm):
    field = forms.ChoiceField(
        choices=[(Reveal.Field.DOCUMENT_NUMBER, ""), (Reveal.Field.PHONE, "")],
        widget=forms.HiddenInput,
    )
    # Not required here: a missing reason is the service's refusal, whose message is shown.
    reason = forms.CharField(
        label=_("Why do you need the whole number?"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PurposeForm(RegistryForm):
    purpose = forms.CharField(
        label=_("Why do you need to see them?"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class GiveTagForm(RegistryForm):
    kind = forms.ModelChoiceField(label=_("Tag"), queryset=TagKind.objects.none())
    since = forms.DateField(label=_("Since"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    SERVICE_FIELDS = {"tag": "kind"}

    def __init__(self, *args: Any, kinds: list[TagKind] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pks = [kind.pk for kind in kinds or []]
        self.fields["kind"].queryset = TagKind.objects.filter(pk__in=pks)  # type: ignore[attr-defined]


class VisitForm(RegistryForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=VisitOutcome.choices, widget=forms.RadioSelect
    )
    found = forms.CharField(
        label=_("What was found"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
    )
    follow_up_category = forms.ChoiceField(
        label=_("Report a case to follow it up"),
        required=False,
        help_text=_("Optional: the case is filed at the person's home, with what was found."),
    )

    def __init__(
        self, *args: Any, categories: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["follow_up_category"].choices = [  # type: ignore[attr-defined]
            ("", _("No follow-up case")),
            *(categories or []),
        ]


class PersonForm(RegistryForm):
    """A person's facts. The stored numbers are never put in the form: empty keeps them."""

    name = forms.CharField(label=_("Name"), max_length=64)
    document_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    document_number = forms.CharField(
        label=_("New document number"),
        max_length=32,
        required=False,
        help_text=_("Leave empty to keep the number on record."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("New phone number"),
        max_length=20,
        required=False,
        help_text=_("Leave empty to keep the number on record."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, required=False)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    ethnicity = forms.CharField(label=_("Ethnic group"), max_length=16, required=False)
    registered_region = forms.CharField(
        label=_("Registered region code"), max_length=12, required=False
    )
    registered_address = forms.CharField(
        label=_("Registered address"), max_length=200, required=False
    )
    overseas = forms.BooleanField(label=_("From outside the mainland"), required=False)
    workplace = forms.CharField(label=_("Workplace or school"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )


class AuditFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the range is before its start."))
        return data


class OrganisationFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *OrganisationKind.choices]
    )
    key_places = forms.BooleanField(label=_("Key places only"), required=False)


class OrganisationForm(RegistryForm):
    """An organisation or place. Its stored contact phone is never put in the form."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        required=False,
        help_text=_("18 characters, on the business licence; empty for those without one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    house = forms.ModelChoiceField(
        label=_("Premises"),
        queryset=House.objects.none(),
        required=False,
        empty_label=_("None recorded"),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for the address of the premises."),
    )
    representative = forms.CharField(label=_("Legal representative"), max_length=64, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    employees = forms.IntegerField(label=_("Employees"), required=False, min_value=0)
    is_key_place = forms.BooleanField(label=_("Key place for safety checks"), required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )

    def __init__(
        self, *args: Any, houses: Any = None, keeps_phone: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if houses is not None:
            self.fields["house"].queryset = houses  # type: ignore[attr-defined]
        if keeps_phone:
            self.fields["contact_phone"].label = _("New contact phone")
            self.fields["contact_phone"].help_text = _("Leave empty to keep the number on record.")


ROLE_CHOICES = Role.choices


class TagKindForm(RegistryForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("Lower-case letters, digits and underscores, e.g. elderly_alone."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    name = forms.CharField(label=_("Name"), max_length=64)
    visit_every_days = forms.IntegerField(
        label=_("Visit every (days)"),
        required=False,
        help_text=_("Empty: people with this tag get no care visits."),
    )
    is_sensitive = forms.BooleanField(label=_("Sensitive"), required=False)
    visible_to_roles = forms.MultipleChoiceField(
        label=_("Roles that see it"),
        required=False,
        choices=ROLE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a sensitive tag only."),
    )
    retention_days = forms.IntegerField(
        label=_("Kept for (days)"),
        required=False,
        help_text=_("For a sensitive tag: it is removed this many days after it was given."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, fixed_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_code:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code of a tag does not change.")


class LandlordProofForm(RegistryForm):
    code = forms.CharField(
        label=_("House code"),
        max_length=16,
        help_text=_("Printed on the notice your grid worker left."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=20,
        help_text=_("The number your grid worker has on record for you."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )


class LandlordTenantForm(RegistryForm):
    name = forms.CharField(label=_("Tenant's name"), max_length=64)
    document_type = forms.ChoiceField(
        label=_("Document type"), choices=DocumentType.choices, initial=DocumentType.ID_CARD
    )
    document_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label=_("Tenant's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    moved_in = forms.DateField(label=_("Moved in on"), widget=DATE)
    SERVICE_FIELDS = {"person": "document_number"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["moved_in"].initial = clock.today()


class LandlordMoveOutForm(RegistryForm):
    moved_out = forms.DateField(label=_("Moved out on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["moved_out"].initial = clock.today()


class ImportForm(RegistryForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file, with a header row."),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    kind = forms.ChoiceField(
        label=_("What it holds"),
        required=False,
        choices=[("", _("Tell from the headers")), *((k, v.label) for k, v in KINDS.items())],
    )
    valid_only = forms.BooleanField(
        label=_("Write the valid rows only"),
        required=False,
        help_text=_("Otherwise nothing is written unless every row is valid."),
    )
