"""Pages of information reports, under /info-reports/."""

from django.urls import path

from wangge.info_reports.models import EntryKind
from wangge.info_reports.views import kinds, receiving, reports

app_name = "info_reports"
urlpatterns = [
    path("", reports.my_reports, name="mine"),
    path("received/", reports.received_reports, name="received"),
    path("new/", reports.new_report, name="new"),
    path("<int:report_id>/", reports.detail, name="detail"),
    path(
        "<int:report_id>/continued/",
        reports.follow_up,
        {"kind": EntryKind.CONTINUED},
        name="continued",
    ),
    path("<int:report_id>/final/", reports.follow_up, {"kind": EntryKind.FINAL}, name="final"),
    path("<int:report_id>/files/<int:file_id>/", reports.entry_file, name="file"),
    path("<int:report_id>/sign/", receiving.sign, name="sign"),
    path("<int:report_id>/request/", receiving.request_continued, name="request"),
    path("<int:report_id>/forward/", receiving.forward, name="forward"),
    path("<int:report_id>/close/", receiving.close, name="close"),
    path("kinds/", kinds.kind_list, name="kinds"),
    path("kinds/new/", kinds.kind_form, name="kind_create"),
    path("kinds/<int:kind_id>/", kinds.kind_form, name="kind"),
]
