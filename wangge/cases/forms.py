"""The forms of the case pages: one form per workflow action, built from what the transition
table says the action requires, plus the optional fields the action takes (a note everywhere,
assisting departments when dispatching, a new category when accepting, resolved or not when
closing). The services check everything again; these forms only shape the input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Case, Rating
from wangge.cases.services import ActionInput
from wangge.cases.workflow import CaseAction, Requirement, Transition

NOTE_ROWS = 3

# Optional fields an action takes beyond what it requires.
_OPTIONAL: dict[CaseAction, tuple[str, ...]] = {
    CaseAction.ACCEPT: ("category",),
    CaseAction.DISPATCH: ("assisting",),
    CaseAction.REASSIGN: ("assisting",),
    CaseAction.CLOSE: ("resolved",),
    CaseAction.RATE: ("rating_comment",),
    CaseAction.PROGRESS: ("attachments",),
    CaseAction.COMMENT: ("attachments",),
}


class QuickSelect(forms.Select):
    """A select rendered straight to HTML: Django renders each option through a template,
    which costs tens of milliseconds for a district's 400 grids on every case page."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> str:
        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value])}
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (photos taken one after another on a phone)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class ActionForm(forms.Form):
    """The form of one action on one case. `departments`, `grids` and `categories` are the
    (code, name) choices the page offers (the user's scope); `kept_uploads` are uids of files
    uploaded by an earlier attempt that was refused, so nobody uploads twice."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    kept_uploads = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        step: Transition,
        case: Case,
        *args: Any,
        departments: Sequence[tuple[str, str]] = (),
        grids: Sequence[tuple[str, str]] = (),
        categories: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", case.version)
        kwargs.setdefault("prefix", step.action.value)
        super().__init__(*args, **kwargs)
        self.step = step
        needs = step.requires
        wanted = (*needs.fields, "note", *_OPTIONAL.get(step.action, ()))
        department_choices = list(departments)
        builders = {
            "reason": lambda required: forms.CharField(
                label=_("Reason"),
                required=required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": NOTE_ROWS}),
            ),
            "note": lambda required: forms.CharField(
                label=_("Note"),
                required=required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": NOTE_ROWS}),
            ),
            "attachments": lambda required: MultipleFileField(
                label=_("Evidence (photos or files)") if required else _("Photos or files"),
                required=required,
            ),
            "department": lambda required: forms.ChoiceField(
                label=_("Department"),
                required=required,
                choices=[("", "—"), *department_choices],
                widget=QuickSelect,
            ),
            "assisting": lambda required: forms.MultipleChoiceField(
                label=_("Assisting departments"),
                required=required,
                choices=department_choices,
                widget=forms.CheckboxSelectMultiple,
            ),
            "new_deadline": lambda required: forms.DateTimeField(
                label=_("New deadline"),
                required=required,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            ),
            "rating": lambda required: forms.ChoiceField(
                label=_("Rating"),
                required=required,
                choices=Rating.choices,
                widget=forms.RadioSelect,
            ),
            "rating_comment": lambda required: forms.CharField(
                label=_("What the resident said"),
                required=required,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            ),
            "master": lambda required: forms.CharField(
                label=_("Number of the case it duplicates"), required=required, max_length=32
            ),
            "category": lambda required: forms.ChoiceField(
                label=_("Category"),
                required=required,
                choices=[("", "—"), *categories],
                widget=QuickSelect,
            ),
            "supervision_level": lambda required: forms.TypedChoiceField(
                label=_("Supervision level"),
                required=required,
                coerce=int,
                choices=[(1, _("Reminder")), (2, _("Yellow card")), (3, _("Red card"))],
            ),
            "grid": lambda required: forms.ChoiceField(
                label=_("Grid"),
                required=required,
                choices=[("", "—"), *grids],
                widget=QuickSelect,
            ),
            "resolved": lambda required: forms.BooleanField(
                label=_("The problem is solved"), required=False, initial=True
            ),
        }
        # A case filed with a category already meets the requirement (accepting may change it).
        met = {"category"} if case.category_id is not None else set()
        for name in dict.fromkeys(wanted):
            self.fields[name] = builders[name](name in needs.fields and name not in met)
        if "category" in self.fields and case.category_id is not None:
            self.fields["category"].initial = case.category.code
        if "department" in self.fields and case.category.default_department is not None:
            self.fields["department"].initial = case.category.default_department.code
        if step.requires & Requirement.EVIDENCE and "attachments" in self.fields:
            self.fields["attachments"].help_text = _("A photo of the result, or a document.")

    def action_input(self, uploaded: list[str]) -> ActionInput:
        data = self.cleaned_data
        kept = [uid for uid in (data.get("kept_uploads") or "").split(",") if uid]
        return ActionInput(
            note=data.get("note") or "",
            reason=data.get("reason") or "",
            department=data.get("department") or "",
            assisting=list(data.get("assisting") or ()),
            new_deadline=data.get("new_deadline"),
            rating=data.get("rating") or "",
            rating_comment=data.get("rating_comment") or "",
            master=(data.get("master") or "").strip(),
            category=data.get("category") or "",
            supervision_level=data.get("supervision_level"),
            grid=data.get("grid") or "",
            attachments=[*kept, *uploaded],
            resolved=data.get("resolved", True) if "resolved" in self.fields else True,
        )
