from django.urls import path

from wangge.org import views

app_name = "org"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("map/", views.grid_map, name="map"),
]
