"""Pages of the case loop, under /cases/ (the public pages are in `public_urls`)."""

from django.urls import path

from wangge.cases.views import case_map, categories, detail, dispatch, lists, my_work, report

app_name = "cases"
urlpatterns = [
    path("", lists.case_list, name="list"),
    path("export.xlsx", lists.case_export, name="export"),
    path("my/", my_work.my_work, name="my_work"),
    path("my/<str:tab>/", my_work.my_work_tab, name="my_work_tab"),
    path("new/", report.report_page, name="report"),
    path("dispatch/", dispatch.dispatch_console, name="dispatch"),
    path("dispatch/bulk/", dispatch.bulk_dispatch, name="bulk_dispatch"),
    path("map/", case_map.case_map_page, name="map"),
    path("map/data/", case_map.case_map_data, name="map_data"),
    path("categories/", categories.category_list, name="categories"),
    path("categories/new/", categories.category_create, name="category_create"),
    path("categories/<str:code>/", categories.category_edit, name="category_edit"),
    path("<str:number>/", detail.case_page, name="detail"),
    path("<str:number>/<str:action>/", detail.case_action, name="action"),
]
