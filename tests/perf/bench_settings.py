"""Settings for the benchmark servers: the project's own settings (configured by the WANGGE_*
variables the benchmark sets), with `bench_urls` adding the bare comparison view."""

from wangge.settings import *  # noqa: F403

ROOT_URLCONF = "tests.perf.bench_urls"
