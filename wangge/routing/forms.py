"""The form of the routing page. It only carries what was typed: the rule (a number from 0.5 to
1, or empty) is `services.set_auto_dispatch_confidence`'s, whose refusal comes back beside the
field it names."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class PolicyForm(forms.Form):
    # Text, not a DecimalField: the service parses and refuses, so a typo is kept as typed
    # and explained in the service's words.
    confidence = forms.CharField(
        label=_("Confidence for automatic dispatch"),
        required=False,
        max_length=20,
        help_text=_(
            "From 0.5 to 1: a suggestion at least this confident is accepted and dispatched to "
            "its category's default department without a dispatcher. Empty: never; every case "
            "waits for a dispatcher."
        ),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def add_refusal(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


def plain_confidence(value: Decimal | None) -> str:
    """0.900 → "0.9", None → "" (as an administrator would type it)."""
    return "" if value is None else format(value.normalize(), "f")
