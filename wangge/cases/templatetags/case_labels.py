"""Labels of the workflow's states and actions for templates: `{{ case.state|state_label }}`,
`{{ event.action|action_label }}`. A value no longer in the table shows as itself (old log
lines keep their words)."""

from __future__ import annotations

from django import template

from wangge.cases.workflow import CaseAction, CaseState

register = template.Library()


@register.filter
def state_label(value: str) -> str:
    try:
        return str(CaseState(value).label)
    except ValueError:
        return value


@register.filter
def action_label(value: str) -> str:
    try:
        return str(CaseAction(value).label)
    except ValueError:
        return value
