from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wangge.core.menus import app_entries


def site(request: HttpRequest) -> dict[str, Any]:
    """What every page may use: the main menu (built only if the page shows it) and the map."""
    return {
        "main_nav": lambda: (
            app_entries(request, "nav_entries") if request.user.is_authenticated else []
        ),
        "map_config": {
            "tileUrl": settings.MAP_TILE_URL,
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION,
        },
        "debug": settings.DEBUG,
        # Where the brand leads someone without an account: the residents' pages.
        "public_home_url": settings.PUBLIC_HOME_URL,
    }
