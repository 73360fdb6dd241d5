"""Pages of the org app, under /org/."""

from django.urls import path

from wangge.org import views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("units/<str:code>/gaps/", views.unit_gaps, name="unit_gaps"),
    path("units/<str:code>/new/", views.unit_new, name="unit_new"),
    path("units/<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<str:code>/people/", views.people, name="people"),
    path("people/", views.people_home, name="people_home"),
    path("map/", views.grid_map, name="map"),
    path("grids/import/", views.grid_import, name="grid_import"),
    path("grids/export.geojson", views.grid_export, name="grid_export"),
]
