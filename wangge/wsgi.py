import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
# No request waits on one PostgreSQL statement longer than this, well inside gunicorn's 30 s
# worker timeout, so a stuck database is answered 503 rather than a killed worker.
os.environ.setdefault("WANGGE_DB_STATEMENT_TIMEOUT", "20")
application = get_wsgi_application()

from wangge.core.heap import freeze_long_lived_objects  # noqa: E402 - needs Django set up

freeze_long_lived_objects()
