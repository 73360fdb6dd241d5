"""Pages of analytics, under /analytics/."""

from django.urls import path

from wangge.analytics import views

app_name = "analytics"
urlpatterns = [path("", views.dashboard_page, name="dashboard")]
