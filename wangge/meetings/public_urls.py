"""Pages of meetings for people without an account, under /public/meetings/."""

from django.urls import path  # noqa: F401

app_name = "public_meetings"
urlpatterns: list = []
