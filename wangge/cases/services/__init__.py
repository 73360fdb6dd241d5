"""Every write to cases and their categories, actor first (None: the system).

- `categories`: the category catalogue a city edits;
- `intake`: filing a case from any channel (`report_case`);
- `loop`: `perform()`, the one code that moves a case through the transition table;
- `attachments`: photos and files, checked and stored;
- `supervision`: the deadline sweep that reminds and hands out yellow and red cards.
"""

from wangge.cases.services.attachments import store_attachment
from wangge.cases.services.categories import (
    EDITABLE_FIELDS,
    OPEN311_DATATYPES,
    create_category,
    set_category_active,
    update_category,
)
from wangge.cases.services.intake import Intake, Report, next_case_number, report_case
from wangge.cases.services.loop import ActionInput, loop_rules, perform, update_loop_rules

__all__ = [
    "EDITABLE_FIELDS",
    "OPEN311_DATATYPES",
    "ActionInput",
    "Intake",
    "Report",
    "create_category",
    "loop_rules",
    "next_case_number",
    "perform",
    "report_case",
    "set_category_active",
    "store_attachment",
    "update_category",
    "update_loop_rules",
]
