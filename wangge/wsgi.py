import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
application = get_wsgi_application()

from wangge.core.heap import freeze_long_lived_objects  # noqa: E402 - needs Django set up

freeze_long_lived_objects()
