"""The notes of a model's evaluation report. They are stored as codes with their figures and put
into words when read, in the reader's language: a report is kept as long as its version, and
read in Chinese on a page or in English at a terminal. A plain string is kept as written."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def describe(note: Any) -> str:
    if not isinstance(note, dict):
        return str(note)
    code = note.get("code")
    if code == "without_text_or_label":
        count = int(note["count"])
        return ngettext(
            "%(count)d example without text or label left out",
            "%(count)d examples without text or label left out",
            count,
        ) % {"count": count}
    if code == "few_examples":
        return _("Categories with fewer than %(minimum)d examples left out: %(classes)s") % note
    if code == "holdout":
        return (
            _(
                "Judged on a stratified %(share)d%% hold-out (%(test)d examples) of a model "
                "trained on the other %(train)d; the model kept was then trained on all %(all)d."
            )
            % note
        )
    if code == "sources":
        return (
            _("Trained on %(closed)d closed cases and %(corrections)d dispatchers' corrections.")
            % note
        )
    return str(note)


def described(report: dict[str, Any]) -> list[str]:
    return [describe(note) for note in report.get("notes") or []]
