"""Forms of the information-report pages. They shape what was typed; the rules are the
services', whose refusals (`Invalid.field`) `InfoForm.add_refusal` puts beside the field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.cases.forms import MultipleFileField
from wangge.info_reports.models import LIMIT_HELP, InfoLevel
from wangge.org.models import OrgUnit

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
NUMBER = forms.NumberInput(attrs={"inputmode": "numeric", "min": 0})
PHOTOS = {"accept": "image/*,application/pdf"}


class InfoForm(forms.Form):
    def add_refusal(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


def _figure(label: Any, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100_000,
        initial=0 if required else None,
        required=required,
        widget=NUMBER,
    )


def _photos() -> MultipleFileField:
    field = MultipleFileField(
        label=_("Photos or files"),
        required=False,
        help_text=_("Up to 9 photos (JPEG, PNG, WebP) or PDF files."),
    )
    field.widget.attrs.update(PHOTOS)
    return field


class FirstReportForm(InfoForm):
    kind = forms.ModelChoiceField(label=_("Kind of information"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("Where"), max_length=200, required=False)
    known_at = forms.DateTimeField(
        label=_("When you learned of it"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    happened_at = forms.DateTimeField(
        label=_("When it happened"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    dead = _figure(_("Dead"))
    injured = _figure(_("Injured"))
    missing = _figure(_("Missing"))
    measures = forms.CharField(
        label=_("Measures taken"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = _photos()
    from_unit = forms.ModelChoiceField(label=_("Reporting unit"), queryset=None)
    to_unit = forms.ModelChoiceField(
        label=_("Send to"),
        queryset=None,
        required=False,
        empty_label=_("The nearest command centre"),
    )

    def __init__(self, *args: Any, kinds: Any, units: Any, receivers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds  # type: ignore[attr-defined]
        self.fields["from_unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[unit.pk for unit in units]
        ).order_by("path")
        self.fields["to_unit"].queryset = receivers  # type: ignore[attr-defined]
        if len(units) == 1:
            self.fields["from_unit"].widget = forms.HiddenInput()
            self.fields["from_unit"].initial = units[0].pk


class FollowUpForm(InfoForm):
    text = forms.CharField(
        label=_("What is new"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    dead = _figure(_("Dead"), required=False)
    injured = _figure(_("Injured"), required=False)
    missing = _figure(_("Missing"), required=False)
    measures = forms.CharField(
        label=_("Measures taken"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = _photos()


class RequestForm(InfoForm):
    due_at = forms.DateTimeField(
        label=_("Continued report due at"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    note = forms.CharField(
        label=_("What to report"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ForwardForm(InfoForm):
    unit = forms.ModelChoiceField(label=_("Forward to"), queryset=None)
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = OrgUnit.objects.filter(  # type: ignore[attr-defined]
            pk__in=[unit.pk for unit in units]
        ).order_by("-depth")


class NoteForm(InfoForm):
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class KindForm(InfoForm):
    code = forms.SlugField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=64)
    level = forms.ChoiceField(label=_("Level"), choices=InfoLevel.choices)
    first_report_minutes = forms.IntegerField(
        label=_("First report within (minutes)"), min_value=1, help_text=LIMIT_HELP
    )
    written_report_minutes = forms.IntegerField(
        label=_("Written report within (minutes)"), min_value=1
    )
    continued_report_minutes = forms.IntegerField(
        label=_("Continued report every (minutes)"),
        min_value=1,
        required=False,
        help_text=_("Empty: continued reports only when the receiver asks for one."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
