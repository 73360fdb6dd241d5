from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wangge.cases"
    label = "cases"
    verbose_name = _("Cases")
    # Due-soon notices and the supervision ladder (see services/supervision.py).
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.cases.services.supervision.sweep_deadlines", None),
    )
