"""Settings for the reliability tests: the benchmark settings, with the middleware that answers
503 while the database is unreachable, until `wangge/settings.py` installs it itself."""

from tests.perf.bench_settings import *  # noqa: F403

_UNAVAILABLE = "wangge.core.unavailable.DatabaseUnavailableMiddleware"
if _UNAVAILABLE not in MIDDLEWARE:  # noqa: F405
    MIDDLEWARE = [*MIDDLEWARE, _UNAVAILABLE]  # noqa: F405
