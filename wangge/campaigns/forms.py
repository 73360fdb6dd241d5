"""Forms of the organisers' pages. They shape what was typed; the rules are the services', whose
refusals (`Invalid.field`) `CampaignForm.add_refusal` puts beside the field they name. The visit
form is drawn from the questionnaire in its template and read in `views.visits`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.campaigns.models import OutcomeCode, QuestionKind, TargetKind
from wangge.org.models import OrgUnit
from wangge.org.roles import UnitKind
from wangge.people.models import Building, Compound, DocumentType, HouseUse, Relation, TagKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SELECTABLE_UNIT_KINDS = [
    UnitKind.TOWN,
    UnitKind.SUBDISTRICT,
    UnitKind.COMMUNITY,
    UnitKind.VILLAGE,
    UnitKind.GRID,
]


class ServiceForm(forms.Form):
    SERVICE_FIELDS: dict[str, str] = {}

    def add_refusal(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field, field)
        self.add_error(target if target in self.fields else None, message)


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class CompoundsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Compound) -> str:
        return f"{obj.name} · {obj.grid.name}"


class BuildingsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Building) -> str:
        return f"{obj} · {obj.grid.name}"


class CampaignForm(ServiceForm):
    SERVICE_FIELDS = {"selection": "units"}

    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    unit = UnitChoice(label=_("Run by"), queryset=OrgUnit.objects.none(), empty_label=None)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE)
    target_kind = forms.ChoiceField(
        label=_("Visit"), choices=TargetKind.choices, widget=forms.RadioSelect
    )
    units = UnitsChoice(
        label=_("In these org units"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("None chosen: the whole unit that runs the campaign."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    compounds = CompoundsChoice(
        label=_("In these compounds"),
        queryset=Compound.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    buildings = BuildingsChoice(
        label=_("In these buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    uses = forms.MultipleChoiceField(
        label=_("Houses used as"),
        choices=HouseUse.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Persons: those living in such a house now."),
    )
    tags = forms.ModelMultipleChoiceField(
        label=_("People with these tags"),
        queryset=TagKind.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Houses: those where somebody with the tag lives now."),
    )

    def __init__(
        self,
        *args: Any,
        units: Any,
        selectable_units: Any,
        compounds: Any,
        buildings: Any,
        open_campaign: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["units"].queryset = selectable_units
        self.fields["compounds"].queryset = compounds.select_related("grid")
        self.fields["buildings"].queryset = buildings.select_related("compound", "grid")
        self.fields["tags"].queryset = TagKind.objects.filter(is_active=True, is_sensitive=False)
        if open_campaign:
            # Once open, only the title, description and end can change.
            for name in ("unit", "starts_on", "target_kind", "units", "compounds"):
                self.fields[name].disabled = True
            for name in ("buildings", "uses", "tags"):
                self.fields[name].disabled = True


class QuestionForm(ServiceForm):
    # "Question" alone is a voting matter (表决事项) elsewhere in the catalogue.
    label = forms.CharField(label=pgettext_lazy("questionnaire", "Question"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=QuestionKind.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For one or several choices: one choice per line."),
    )
    is_required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Help for the visitor"), max_length=200, required=False)

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]


class AssignForm(ServiceForm):
    SERVICE_FIELDS = {"selection": "grid"}

    assignee = forms.ChoiceField(label=_("Give to"))
    grid = forms.ModelChoiceField(
        label=_("Grid"), queryset=OrgUnit.objects.none(), required=False, empty_label=_("All")
    )
    building = forms.ChoiceField(label=_("Building"), required=False)
    floor_from = forms.IntegerField(label=_("From floor"), required=False, min_value=-10)
    floor_to = forms.IntegerField(label=_("To floor"), required=False, max_value=300)
    category = forms.ChoiceField(
        label=_("House use"), required=False, choices=[("", _("All")), *HouseUse.choices]
    )
    only_not_done = forms.BooleanField(label=_("Only those still to visit"), required=False)

    def __init__(
        self, *args: Any, helpers: list[Any], grids: Any, buildings: list, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Nobody (take them back)")),
            *[
                (str(h.user.pk), f"{h.user.display_name} · {h.role_label} · {h.unit.name}")
                for h in helpers
            ],
        ]
        self.fields["assignee"].required = False
        self.fields["grid"].queryset = grids
        self.fields["building"].choices = [("", _("All")), *buildings]


class OutcomeForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=32)
    counts_as_reached = forms.BooleanField(label=_("Counts as reached"), required=False)
    is_done = forms.BooleanField(label=_("Done (no revisit)"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, outcome: OutcomeCode | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if outcome is not None:
            self.fields["code"].disabled = True


RESIDENT_DOCUMENT_TYPES = DocumentType.choices
RESIDENT_RELATIONS = [
    (Relation.TENANT, Relation.TENANT.label),
    (Relation.FAMILY, Relation.FAMILY.label),
    (Relation.OWNER, Relation.OWNER.label),
    (Relation.OTHER, Relation.OTHER.label),
]
