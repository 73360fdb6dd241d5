"""Pages of the org app, under /org/."""

from django.urls import path

from wangge.org import views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("units/<str:code>/", views.unit, name="unit"),
    path("units/<str:code>/gaps/", views.unit_gaps, name="unit_gaps"),
    path("map/", views.grid_map, name="map"),
    path("grids/import/", views.grid_import, name="grid_import"),
    path("grids/export.geojson", views.grid_export, name="grid_export"),
]
