"""Pages of analytics, under /analytics/."""

from django.urls import path

from wangge.analytics.views import dashboard
from wangge.analytics.views import hotspots as hotspot_views
from wangge.analytics.views import maps as map_views
from wangge.analytics.views import reports as report_views
from wangge.analytics.views import screen as screen_views
from wangge.analytics.views import topics as topic_views

app_name = "analytics"
urlpatterns = [path("", dashboard.dashboard_page, name="dashboard")]
# Weekly and monthly reports.
urlpatterns += [
    path("reports/", report_views.reports_page, name="reports"),
    path("reports/generate/", report_views.generate, name="report_generate"),
    path("reports/view", report_views.report_view, name="report_view"),
    path("reports/<int:report_id>.xlsx", report_views.report_xlsx, name="report_xlsx"),
    path("reports/<int:report_id>.pdf", report_views.report_pdf, name="report_pdf"),
    path("reports/schedules/", report_views.add_schedule, name="report_schedules"),
    path(
        "reports/schedules/<int:schedule_id>/remove/",
        report_views.remove_schedule,
        name="report_schedule_remove",
    ),
]
# The map of figures and the big screen.
urlpatterns += [
    path("map/", map_views.map_page, name="map"),
    path("screen/", screen_views.screen_page, name="screen"),
]
# Hot spots and the cases behind each.
urlpatterns += [
    path("hotspots/", hotspot_views.hot_spots_page, name="hotspots"),
    path(
        "hotspots/<str:place_code>/<str:category_code>/",
        hotspot_views.hot_spot_cases,
        name="hotspot_cases",
    ),
]
# Hot topics: groups of similar requests, with the cases behind each.
urlpatterns += [path("topics/", topic_views.topics_page, name="topics")]
