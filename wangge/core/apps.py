from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True  # apps.py holds two configs; this one is the app's
    name = "wangge.core"
    label = "core"
    verbose_name = _("Core")
    # Counters of ended rate-limit windows (see ratelimit.py); hourly is soon enough.
    periodic_jobs: tuple[tuple[str, float | None], ...] = (
        ("wangge.core.ratelimit.sweep_rate_counters", 3600.0),
    )

    def ready(self) -> None:
        from wangge.core import calendar, generations
        from wangge.core.models import CalendarDay, OfficePeriod

        generations.follow(CalendarDay, calendar.GENERATION)
        generations.follow(OfficePeriod, calendar.GENERATION)


class WanggeStaticFilesConfig(StaticFilesConfig):
    """collectstatic copies only the builds the pages load from the npm packages (echarts alone
    ships 50 MB of other builds and source maps)."""

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "*.mjs",
        "*.ts",
        "*.gz",
        "*.esm.*",
        "*.amd.*",
        "*.cjs.*",
        "echarts.js",
        "echarts.*.map",
        "echarts.common*",
        "echarts.simple*",
        "extension",
        "leaflet-src*",
        "htmx.js",
        "ext",
        "package.json",
    ]
