"""Settings for the test suite: the project's own settings, with a throw-away var/ directory and
static files served straight from the finders (no collectstatic needed)."""

import os
import tempfile

os.environ.setdefault("WANGGE_VAR_DIR", tempfile.mkdtemp(prefix="wangge-test-var-"))
os.environ.setdefault("WANGGE_STATIC_FROM_FINDERS", "true")

from wangge.settings import *  # noqa: F403

# Argon2 stays the hasher (tests check it); personas log in with force_login, so no hashing.
LANGUAGE_CODE = "zh-hans"

# SQLite tests use a file, not the default shared-cache memory database: there a second writer
# fails at once ("table is locked") instead of waiting for the lock, so the concurrency tests
# could not run. Under the temporary var/ directory, like everything else.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
