"""Pages of routing, under /routing/: the whole city's administrator manages the model versions
and the policy of automatic dispatch."""

from django.urls import path

from wangge.routing import views

app_name = "routing"
urlpatterns = [
    path("", views.versions_page, name="versions"),
    path("train/", views.train, name="train"),
    path("rollback/", views.rollback, name="rollback"),
    path("policy/", views.set_policy, name="policy"),
    # `version`, not `number`: elsewhere `number` names a case.
    path("versions/<int:version>/", views.version_page, name="version"),
    path("versions/<int:version>/activate/", views.activate, name="activate"),
]
