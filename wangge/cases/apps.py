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

    def ready(self) -> None:
        from wangge.cases.models import Category
        from wangge.cases.services.categories import GENERATION
        from wangge.core import generations

        generations.follow(Category, GENERATION)
