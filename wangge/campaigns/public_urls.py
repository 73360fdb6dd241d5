"""Pages of campaigns for people without an account, under /public/campaigns/."""

from django.urls import path  # noqa: F401

app_name = "public_campaigns"
urlpatterns: list = []
