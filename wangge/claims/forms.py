"""Forms of the claiming pages. They shape what was typed; the rules are the services', whose
refusals (`Invalid.field`) `ClaimsForm.add_refusal` puts beside the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.claims.models import (
    AgreementState,
    MemberUnit,
    MemberUnitKind,
    NeedState,
    Post,
    ResourceKind,
    Urgency,
)
from wangge.org.models import OrgUnit

TEXT_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEL = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
EVIDENCE = forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"})
DELIVERABLE_ROWS = 3


class ClaimsForm(forms.Form):
    """A form whose values go to a claiming service; `SERVICE_FIELDS` maps a service's field
    name to this form's where they differ."""

    SERVICE_FIELDS: dict[str, str] = {}

    def add_refusal(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field, field)
        self.add_error(target if target in self.fields else None, message)


class CommunityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


def _communities(form: forms.Form, name: str, communities: Any) -> None:
    field = form.fields[name]
    field.queryset = communities  # type: ignore[attr-defined]
    if not form.is_bound and len(communities) == 1 and name not in form.initial:
        form.initial[name] = communities[0].pk


class MemberUnitForm(ClaimsForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberUnitKind.choices)
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities served"),
        queryset=OrgUnit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        required=False,
        help_text=_("18 characters, on the business licence; empty for those without one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["communities"].queryset = communities  # type: ignore[attr-defined]
        self.fields["communities"].label_from_instance = lambda unit: unit.name  # type: ignore[attr-defined]


class ContactForm(ClaimsForm):
    SERVICE_FIELDS = {"user": "username"}

    name = forms.CharField(label=_("Name"), max_length=64)
    role = forms.CharField(label=_("Role in the unit"), max_length=64, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False, widget=TEL)
    username = forms.CharField(
        label=_("Account"),
        max_length=150,
        required=False,
        help_text=_(
            "The account name this contact logs in with, to claim and record progress for the "
            "unit. Leave empty for a contact without an account."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


class ResourceForm(ClaimsForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    community = CommunityChoice(label=_("Community"), queryset=OrgUnit.objects.none())
    place = forms.CharField(
        label=_("Place"),
        max_length=100,
        required=False,
        help_text=_("Where it is offered, e.g. the school's hall."),
    )
    quantity = forms.IntegerField(label=_("Capacity or quantity"), required=False, min_value=1)
    unit = forms.CharField(
        label=_("Unit of quantity"),
        max_length=16,
        required=False,
        help_text=_("e.g. people, times, yuan, m²"),
    )
    available_from = forms.DateField(label=_("Available from"), required=False, widget=DATE)
    available_until = forms.DateField(label=_("Available until"), required=False, widget=DATE)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _communities(self, "community", communities)


class NeedForm(ClaimsForm):
    community = CommunityChoice(label=_("Community"), queryset=OrgUnit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("What is needed"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    quantity = forms.IntegerField(label=_("Quantity needed"), required=False, min_value=1)
    unit = forms.CharField(label=_("Unit of quantity"), max_length=16, required=False)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    wanted_by = forms.DateField(label=_("Wanted by"), required=False, widget=DATE)
    contact_name = forms.CharField(label=_("Contact name"), max_length=64, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, required=False, widget=TEL
    )
    case_number = forms.CharField(
        label=_("From case"),
        max_length=32,
        required=False,
        help_text=_("The number of a case you can see; the need is linked to it."),
    )

    SERVICE_FIELDS = {"case": "case_number"}

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _communities(self, "community", communities)
        self.fields["community"].required = False
        self.fields["community"].help_text = _("Not needed for a need raised from a case.")


class NeedEditForm(NeedForm):
    """What a need asks for, changed by staff: its community and its case stay as they are;
    the contact phone on file is kept when the field is left empty (it is never shown here)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, communities=OrgUnit.objects.none(), **kwargs)
        del self.fields["community"]
        del self.fields["case_number"]
        self.fields["contact_phone"].help_text = _(
            "Leave empty to keep the number on file; type a new one to replace it."
        )


class PublicNeedForm(ClaimsForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    title = forms.CharField(label=_("What do you need?"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    wanted_by = forms.DateField(label=_("Wanted by"), required=False, widget=DATE)
    contact_name = forms.CharField(label=_("Your name"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("Your phone"), max_length=20, widget=TEL)


class PublicWishForm(ClaimsForm):
    SERVICE_FIELDS = {"wisher_name": "name", "wisher_phone": "phone"}

    title = forms.CharField(
        label=_("Your small wish"),
        max_length=100,
        help_text=_("Something small and concrete, e.g. a reading lamp, a haircut at home."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    name = forms.CharField(label=_("Your name"), max_length=64, required=False)
    phone = forms.CharField(label=_("Your phone"), max_length=20, widget=TEL)


class VolunteerForm(ClaimsForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    phone = forms.CharField(label=_("Phone"), max_length=20, widget=TEL)
    is_party_member = forms.BooleanField(label=_("I am a party member"), required=False)
    skills = forms.CharField(
        label=_("Skills"),
        max_length=200,
        required=False,
        help_text=_("e.g. repairs, medicine, teaching, photography."),
    )


class ClaimForm(ClaimsForm):
    member_unit = forms.ModelChoiceField(label=_("Member unit"), queryset=MemberUnit.objects.none())
    title = forms.CharField(label=_("Agreement title"), max_length=100, required=False)
    terms = forms.CharField(
        label=_("What the member unit undertakes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)

    def __init__(self, *args: Any, member_units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_unit"].queryset = member_units  # type: ignore[attr-defined]
        if not self.is_bound and len(member_units) == 1:
            self.initial["member_unit"] = member_units[0].pk
        for index in range(1, DELIVERABLE_ROWS + 1):
            self.fields[f"deliverable_{index}"] = forms.CharField(
                label=_("Deliverable %(index)d") % {"index": index},
                max_length=200,
                required=False,
            )
            self.fields[f"due_{index}"] = forms.DateField(
                label=_("Due on"), required=False, widget=DATE
            )

    def deliverables(self) -> list[tuple[str, Any]]:
        rows = []
        for index in range(1, DELIVERABLE_ROWS + 1):
            title = self.cleaned_data.get(f"deliverable_{index}") or ""
            due = self.cleaned_data.get(f"due_{index}")
            if title or due:
                if not due:
                    self.add_error(f"due_{index}", _("Each deliverable needs a due date."))
                if not title:
                    self.add_error(f"deliverable_{index}", _("This field is required."))
                rows.append((title, due))
        return rows


class DeliverableForm(ClaimsForm):
    title = forms.CharField(label=_("Deliverable"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), widget=DATE)


class ProgressForm(ClaimsForm):
    note = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    deliverable = forms.TypedChoiceField(
        label=_("Deliverable done"), required=False, coerce=int, empty_value=None
    )
    evidence = forms.FileField(label=_("Photo or document"), required=False, widget=EVIDENCE)

    def __init__(self, *args: Any, deliverables: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deliverable"].choices = [  # type: ignore[attr-defined]
            ("", _("None of them")),
            *[(d.pk, d.title) for d in deliverables if d.done_at is None],
        ]


class CompleteForm(ClaimsForm):
    outcome = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    evidence = forms.FileField(
        label=_("Photo or document"),
        required=False,
        widget=EVIDENCE,
        help_text=_("Needed unless evidence was given with earlier progress."),
    )


class ReasonForm(ClaimsForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ProjectForm(ClaimsForm):
    community = CommunityChoice(label=_("Community"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    budget = forms.DecimalField(
        label=_("Budget (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _communities(self, "community", communities)


class SpendForm(ClaimsForm):
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    spent_on = forms.DateField(label=_("Spent on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AllocationForm(ClaimsForm):
    community = CommunityChoice(label=_("Community"), queryset=OrgUnit.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _communities(self, "community", communities)


class HoursForm(ClaimsForm):
    served_on = forms.DateField(label=_("Served on"), widget=DATE)
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=0,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    what = forms.CharField(label=_("What was done"), max_length=200)
    post = forms.ModelChoiceField(
        label=_("Post"), queryset=Post.objects.none(), required=False, empty_label=_("None")
    )

    def __init__(self, *args: Any, posts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if posts is not None:
            self.fields["post"].queryset = posts  # type: ignore[attr-defined]


class WishForm(ClaimsForm):
    community = CommunityChoice(label=_("Community"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Wish"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    wisher_name = forms.CharField(label=_("Whose wish"), max_length=64, required=False)
    wisher_phone = forms.CharField(
        label=_("Their phone"), max_length=20, required=False, widget=TEL
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _communities(self, "community", communities)


class FulfilWishForm(ClaimsForm):
    outcome = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    evidence = forms.FileField(label=_("Photo or document"), widget=EVIDENCE)


class PostForm(ClaimsForm):
    community = CommunityChoice(label=_("Community"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("Post"), max_length=100)
    places = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DATE)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _communities(self, "community", communities)


class NeedFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *NeedState.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *ResourceKind.choices]
    )


class AgreementFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *AgreementState.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
