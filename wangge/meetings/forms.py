"""Forms of the meetings pages. They shape what was typed; the rules are the services', whose
refusals (`Invalid.field`) `MeetingsForm.add_refusal` puts beside the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wangge.meetings.models import (
    Electorate,
    MajorityBase,
    MeetingKind,
    Step,
    Threshold,
    TopicSource,
)

TEXT_ROWS = 3
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TASK_ROWS = 3


class MeetingsForm(forms.Form):
    SERVICE_FIELDS: dict[str, str] = {}

    def add_refusal(self, field: str, message: str) -> None:
        target = self.SERVICE_FIELDS.get(field, field)
        self.add_error(target if target in self.fields else None, message)


class CommunityChoiceForm(MeetingsForm):
    community = forms.ModelChoiceField(label=_("Community or village"), queryset=None)

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]
        self.order_fields(["community", *[f for f in self.fields if f != "community"]])


class TopicForm(CommunityChoiceForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
    )
    source = forms.ChoiceField(
        label=_("Proposed by"),
        choices=[(v, label) for v, label in TopicSource.choices if v != TopicSource.CASE],
        initial=TopicSource.STAFF,
    )
    proposer_name = forms.CharField(
        label=_("Proposer's name or member unit"), required=False, max_length=64
    )
    proposer_phone = forms.CharField(label=_("Proposer's phone"), required=False, max_length=30)


class PublicTopicForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Your community or village"), queryset=None)
    title = forms.CharField(label=_("What should be discussed?"), max_length=120)
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    proposer_name = forms.CharField(label=_("Your name"), max_length=64)
    proposer_phone = forms.CharField(
        label=_("Your phone"),
        max_length=30,
        help_text=_("Only staff see it, masked, to call you back."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, communities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities  # type: ignore[attr-defined]

    def add_refusal(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


class ReasonForm(MeetingsForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeetingForm(CommunityChoiceForm):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    scheduled_at = forms.DateTimeField(label=_("Date and time"), widget=DATETIME)
    place = forms.CharField(label=pgettext_lazy("meeting", "Place"), max_length=120)
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics on the agenda"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accounts = forms.CharField(
        label=_("Invite accounts (user names, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    member_units = forms.CharField(
        label=_("Invite member-unit representatives (name, unit: one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    residents = forms.CharField(
        label=_("Invite residents (names, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    SERVICE_FIELDS = {"invitees": "accounts"}

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topics  # type: ignore[attr-defined]
        self.fields["topics"].label_from_instance = lambda t: f"{t.community.name} · {t.title}"  # type: ignore[attr-defined]


class InviteForm(MeetingsForm):
    accounts = MeetingForm.base_fields["accounts"]
    member_units = MeetingForm.base_fields["member_units"]
    residents = MeetingForm.base_fields["residents"]
    SERVICE_FIELDS = {"invitees": "accounts"}


class AgendaForm(MeetingsForm):
    topics = forms.ModelMultipleChoiceField(
        label=_("Add proposed topics"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topics  # type: ignore[attr-defined]


class MinutesForm(MeetingsForm):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class DecisionForm(MeetingsForm):
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=None, required=False, empty_label=_("None (another matter)")
    )
    text = forms.CharField(
        label=_("Decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    SERVICE_FIELDS = {"tasks": "task_1_title"}

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics  # type: ignore[attr-defined]
        for row in range(1, TASK_ROWS + 1):
            self.fields[f"task_{row}_title"] = forms.CharField(
                label=_("Task %(n)d") % {"n": row}, required=False, max_length=200
            )
            self.fields[f"task_{row}_owner"] = forms.CharField(
                label=_("Owner of task %(n)d (user name)") % {"n": row},
                required=False,
                max_length=150,
            )
            self.fields[f"task_{row}_due_on"] = forms.DateField(
                label=_("Deadline of task %(n)d") % {"n": row}, required=False, widget=DATE
            )


class CompleteTaskForm(MeetingsForm):
    note = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": TEXT_ROWS})
    )
    evidence = forms.FileField(
        label=_("Evidence (photo or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )


class VoteForm(CommunityChoiceForm):
    question = forms.CharField(label=_("Question"), max_length=200)
    decision = forms.ModelChoiceField(
        label=_("On the decision"), queryset=None, required=False, empty_label=_("None")
    )
    options = forms.CharField(
        label=_("Options (one per line; the first is the proposal)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty for: in favour, against, abstain."),
    )
    electorate = forms.ChoiceField(
        label=_("Who may vote"), choices=Electorate.choices, widget=forms.RadioSelect
    )
    compound = forms.ModelChoiceField(label=_("Compound (owners)"), queryset=None, required=False)
    meeting = forms.ModelChoiceField(
        label=_("Meeting (those present)"), queryset=None, required=False
    )
    names = forms.CharField(
        label=_("Voters (names, one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_secret = forms.BooleanField(label=_("Secret ballot"), required=False)
    is_changeable = forms.BooleanField(
        label=_("Voters may change their ballot until the close"), required=False, initial=True
    )
    quorum = forms.ChoiceField(
        label=_("Quorum: of the eligible, must vote"),
        choices=Threshold.choices,
        initial=Threshold.MORE_THAN_HALF,
    )
    majority = forms.ChoiceField(
        label=_("Majority in favour"),
        choices=[c for c in Threshold.choices if c[0] != Threshold.NONE],
        initial=Threshold.MORE_THAN_HALF,
    )
    majority_base = forms.ChoiceField(
        label=_("Majority of"), choices=MajorityBase.choices, initial=MajorityBase.CAST
    )
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DATETIME)

    def __init__(
        self, *args: Any, compounds: Any, meetings: Any, decisions: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, communities=kwargs.pop("communities"), **kwargs)
        self.fields["decision"].queryset = decisions  # type: ignore[attr-defined]
        self.fields["decision"].label_from_instance = lambda d: f"{d.meeting.title} · {d.text[:40]}"  # type: ignore[attr-defined]
        self.fields["compound"].queryset = compounds  # type: ignore[attr-defined]
        self.fields["meeting"].queryset = meetings  # type: ignore[attr-defined]


class BallotForm(forms.Form):
    choice = forms.TypedChoiceField(label=_("Your vote"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, options: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = list(enumerate(options))  # type: ignore[attr-defined]


class ProcedureForm(CommunityChoiceForm):
    title = forms.CharField(label=_("Matter"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class StepForm(MeetingsForm):
    step = forms.ChoiceField(label=_("Step"), choices=Step.choices, widget=forms.HiddenInput)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    expected = forms.IntegerField(label=_("People expected"), required=False, min_value=0)
    present = forms.IntegerField(label=_("People present"), required=False, min_value=0)
    in_favour = forms.IntegerField(label=_("Votes in favour"), required=False, min_value=0)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": TEXT_ROWS}),
    )
    documents = forms.FileField(
        label=_("Documents and photos (a disclosure needs a photo of the notice board)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,application/pdf", "multiple": True}),
    )

    def __init__(self, *args: Any, is_meeting: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_meeting:
            for name in ("expected", "present", "in_favour"):
                del self.fields[name]
