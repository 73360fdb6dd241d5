"""Pages of campaigns for people without an account, under /public/campaigns/."""

from django.urls import path

from wangge.campaigns.views import door

app_name = "public_campaigns"
urlpatterns = [
    path("door/<str:doorplate>/", door.doorplate, name="door"),
]
