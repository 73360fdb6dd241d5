"""GeoReport v2 under /open311/v2/: every resource as `name.xml`, `name.json`, or plain `name`
(XML), and anything else answered with the spec's error list rather than an HTML page."""

from django.urls import path, re_path, register_converter

from wangge.open311 import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"
urlpatterns = [
    path("discovery.<open311_format:fmt>", views.discovery),
    path("discovery", views.discovery, name="discovery"),
    path("services.<open311_format:fmt>", views.services),
    path("services", views.services, name="services"),
    path("services/<str:code>.<open311_format:fmt>", views.service_definition),
    path("services/<str:code>", views.service_definition, name="service_definition"),
    path("requests.<open311_format:fmt>", views.service_requests),
    path("requests", views.service_requests, name="requests"),
    path("requests/<str:number>.<open311_format:fmt>", views.service_request),
    path("requests/<str:number>", views.service_request, name="request"),
    path("tokens/<str:token>.<open311_format:fmt>", views.token),
    path("tokens/<str:token>", views.token, name="token"),
    re_path(r"^(?P<path>.*?)(?:\.(?P<fmt>xml|json))?$", views.unknown),
]
