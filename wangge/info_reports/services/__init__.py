"""The rules of information reports; pages, the API, the worker and the demo call these."""

from wangge.info_reports.services.deadlines import (
    first_report_light,
    request_light,
    warn_moment,
)
from wangge.info_reports.services.receiving import (
    close_report,
    forward_candidates,
    forward_report,
    request_continued,
    sign_for,
)
from wangge.info_reports.services.reminders import sweep_info_reports
from wangge.info_reports.services.reports import (
    FirstReport,
    FollowUp,
    add_follow_up,
    default_receiver,
    receiving_candidates,
    submit_first_report,
)

__all__ = [
    "FirstReport",
    "FollowUp",
    "add_follow_up",
    "close_report",
    "default_receiver",
    "first_report_light",
    "forward_candidates",
    "forward_report",
    "receiving_candidates",
    "request_continued",
    "request_light",
    "sign_for",
    "submit_first_report",
    "sweep_info_reports",
    "warn_moment",
]
