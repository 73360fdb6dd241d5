from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"map_tile_url": settings.MAP_TILE_URL, "debug": settings.DEBUG}
