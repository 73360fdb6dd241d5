"""Pages of evaluation, under /evaluation/."""

from django.urls import path

from wangge.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.home, name="home"),
    path("systems/new/", views.system_edit, name="system_new"),
    path("systems/<int:system_id>/", views.system_page, name="system"),
    path("systems/<int:system_id>/edit/", views.system_edit, name="system_edit"),
    path("rounds/<int:round_id>/", views.round_page, name="round"),
    path("rounds/<int:round_id>/compute/", views.round_compute, name="round_compute"),
    path("rounds/<int:round_id>/publish/", views.round_publish, name="round_publish"),
    path("rounds/<int:round_id>/export.xlsx", views.round_export, name="round_export"),
    path("results/<int:result_id>/", views.result_page, name="result"),
    path(
        "results/<int:result_id>/evidence/<int:score_evidence_id>/",
        views.score_evidence_file,
        name="score_evidence",
    ),
    path("appeals/", views.appeal_list, name="appeals"),
    path("appeals/new/", views.appeal_new, name="appeal_new"),
    path("appeals/<int:appeal_id>/", views.appeal_page, name="appeal"),
    path(
        "appeals/<int:appeal_id>/evidence/<int:appeal_evidence_id>/",
        views.appeal_evidence_file,
        name="appeal_evidence",
    ),
]
