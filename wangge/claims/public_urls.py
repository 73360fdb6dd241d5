"""Pages of claims for people without an account, under /public/claims/."""

from django.urls import path  # noqa: F401

app_name = "public_claims"
urlpatterns: list = []
