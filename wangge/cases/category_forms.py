"""The forms of the category pages (事项分类与时限): create a class or a subcategory, edit one.

They only shape what was typed (text to numbers, codes to rows, the attributes' JSON to a
list); every rule — names, codes, amounts, units, the order of the yellow and red cards, the
attributes' shape — is the category services', whose refusals (`CategoryInvalid.field`) the
views put next to the field of the same name. Form fields are named like the service's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import STAGES, Category, CategoryKind, DeadlineUnit
from wangge.org.models import OrgUnit

STAGE_LABELS = {
    "accept": _("Acceptance"),
    "dispatch": _("Dispatch"),
    "handle": _("Handling"),
}
AMOUNT_FIELDS = tuple(f"{stage}_amount" for stage in STAGES)
UNIT_FIELDS = tuple(f"{stage}_unit" for stage in STAGES)
LADDER_FIELDS = ("accept_yellow_days", "accept_red_days", "handle_yellow_days", "handle_red_days")
# What a new subcategory takes from the class it is created under (shown, then sent as typed).
FROM_CLASS = (
    "kind",
    "default_department",
    *AMOUNT_FIELDS,
    *UNIT_FIELDS,
    *LADDER_FIELDS,
)


def _select(choices: Sequence[tuple[str, Any]]) -> forms.Select:
    return forms.Select(choices=list(choices))


def _amount_field() -> forms.CharField:
    return forms.CharField(
        label=_("Amount"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _unit_field() -> forms.CharField:
    # Any value goes on to the service, which names an unknown unit in its refusal.
    return forms.CharField(label=_("Unit"), widget=_select(DeadlineUnit.choices))


def _card_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1})
    )


class CategoryForm(forms.Form):
    """`classes`: the top-level categories a subcategory may stand under; `departments`: the
    (code, name) of the departments a category may default to; `category`: the one being edited
    (None to create, which adds the code and kind fields)."""

    parent = forms.ChoiceField(
        label=_("Class"),
        required=False,
        help_text=_("Leave empty to make a top-level class."),
    )
    code = forms.CharField(
        label=_("Code"),
        help_text=_(
            "Up to 32 letters, digits, dots, dashes or underscores. It cannot be changed later: "
            "Open311 clients use it as the service code."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    name = forms.CharField(label=_("Name"), widget=forms.TextInput(attrs={"maxlength": 64}))
    kind = forms.CharField(
        label=_("Kind"),
        widget=_select(CategoryKind.choices),
        help_text=_("A subcategory is of the same kind as its class. It cannot be changed later."),
    )
    default_department = forms.ChoiceField(
        label=_("Default department"),
        required=False,
        help_text=_("Offered first when a case of this category is dispatched."),
    )
    is_grid_entry = forms.BooleanField(
        label=_("Grid-entry item (grid workers may resolve it on the spot)"), required=False
    )
    accept_amount = _amount_field()
    accept_unit = _unit_field()
    dispatch_amount = _amount_field()
    dispatch_unit = _unit_field()
    handle_amount = _amount_field()
    handle_unit = _unit_field()
    accept_yellow_days = _card_field(_("Yellow card after"))
    accept_red_days = _card_field(_("Red card after"))
    handle_yellow_days = _card_field(_("Yellow card after"))
    handle_red_days = _card_field(_("Red card after"))
    order = forms.IntegerField(
        label=_("Position in lists"),
        initial=0,
        help_text=_("Smaller numbers come first; equal ones are sorted by code."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1}),
    )
    open311_attributes = forms.CharField(
        label=_("Open311 attributes (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "json", "spellcheck": "false"}),
        help_text=_(
            "Extra questions a report of this category asks, as a JSON list; leave it empty "
            "for none. Each item has a code, a datatype (string, number, datetime, text, "
            "singlevaluelist or multivaluelist), a description, optionally required and order, "
            "and for lists their values, each with a key and a name."
        ),
    )

    def __init__(
        self,
        *args: Any,
        classes: Sequence[Category],
        departments: Sequence[tuple[str, str]],
        category: Category | None = None,
        **kwargs: Any,
    ) -> None:
        if category is not None:
            kwargs.setdefault("initial", initial_of(category))
        super().__init__(*args, **kwargs)
        self.category = category
        self.classes = {c.code: c for c in classes if category is None or c.pk != category.pk}
        self.fields["parent"].choices = [
            ("", _("None: this is a class")),
            *(
                (c.code, f"{c.name} · {c.get_kind_display()} · {c.code}")
                for c in self.classes.values()
            ),
        ]
        department_choices = list(departments)
        current = category.default_department if category is not None else None
        if current is not None and current.code not in dict(department_choices):
            department_choices.append((current.code, f"{current.name} ({_('inactive')})"))
        self.fields["default_department"].choices = [("", "—"), *department_choices]
        if category is not None:
            del self.fields["code"]
            del self.fields["kind"]

    def stage_fields(self) -> list[dict[str, Any]]:
        """The amount and unit of each stage, for the template to lay out side by side."""
        return [
            {
                "label": STAGE_LABELS[stage],
                "amount": self[f"{stage}_amount"],
                "unit": self[f"{stage}_unit"],
            }
            for stage in STAGES
        ]

    def clean_open311_attributes(self) -> list[Any]:
        text = self.cleaned_data["open311_attributes"].strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except json.JSONDecodeError as problem:
            raise forms.ValidationError(
                _("This is not valid JSON: look at line %(line)s, column %(column)s."),
                code="json",
                params={"line": problem.lineno, "column": problem.colno},
            ) from None

    def service_values(self, fields: Sequence[str] | None = None) -> dict[str, Any]:
        """The cleaned values of `fields` (all by default) as the services take them: the
        class as a Category, the department as an OrgUnit."""
        names = [name for name in (fields or self.fields) if name in self.fields]
        values: dict[str, Any] = {}
        for name in names:
            value = self.cleaned_data[name]
            if name == "parent":
                value = self.classes.get(value) if value else None
            elif name == "default_department":
                value = OrgUnit.objects.filter(code=value).first() if value else None
            values[name] = value
        return values

    def changed_values(self) -> dict[str, Any]:
        """What the person changed on an edit form, as the services take it."""
        return self.service_values(self.changed_data)


def initial_of(category: Category, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """A category's values as the form shows them (all fields, or `fields`)."""
    values: dict[str, Any] = {
        "parent": category.parent.code if category.parent_id else "",
        "name": category.name,
        "kind": category.kind,
        "default_department": (
            category.default_department.code if category.default_department_id else ""
        ),
        "is_grid_entry": category.is_grid_entry,
        "order": category.order,
        "open311_attributes": (
            json.dumps(category.open311_attributes, ensure_ascii=False, indent=2)
            if category.open311_attributes
            else ""
        ),
        **{name: plain_amount(getattr(category, name)) for name in AMOUNT_FIELDS},
        **{name: getattr(category, name) for name in (*UNIT_FIELDS, *LADDER_FIELDS)},
    }
    if fields is None:
        return values
    return {name: values[name] for name in fields}


def plain_amount(amount: Any) -> str:
    """2.00 → "2", 0.50 → "0.5": amounts as a person would type them."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
