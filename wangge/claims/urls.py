"""Pages of claims, under /claims/."""

from django.urls import path  # noqa: F401

app_name = "claims"
urlpatterns: list = []
