"""Pages of campaigns, under /campaigns/."""

from django.urls import path

from wangge.campaigns.views import campaigns, needs, offline, outcomes, visits

app_name = "campaigns"
urlpatterns = [
    path("", campaigns.campaign_list, name="list"),
    path("new/", campaigns.campaign_create, name="create"),
    path("outcomes/", outcomes.outcome_list, name="outcomes"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("<int:campaign_id>/", campaigns.campaign_page, name="campaign"),
    path("<int:campaign_id>/edit/", campaigns.campaign_edit, name="edit"),
    path("<int:campaign_id>/open/", campaigns.campaign_open, name="open"),
    path("<int:campaign_id>/close/", campaigns.campaign_close, name="close"),
    path("<int:campaign_id>/questions/", campaigns.campaign_questions, name="questions"),
    path(
        "<int:campaign_id>/questions/<int:question_id>/",
        campaigns.question_change,
        name="question_change",
    ),
    path(
        "<int:campaign_id>/questions/<int:question_id>/edit/",
        campaigns.question_edit,
        name="question_edit",
    ),
    path("<int:campaign_id>/assign/", campaigns.campaign_assign, name="assign"),
    path("<int:campaign_id>/remaining/", campaigns.campaign_remaining, name="remaining"),
    path("<int:campaign_id>/export.xlsx", campaigns.campaign_export, name="export"),
    path("<int:campaign_id>/doorplates/", campaigns.campaign_doorplates, name="doorplates"),
    path("<int:campaign_id>/mine/", visits.my_list, name="mine"),
    path("targets/<int:target_id>/", visits.target_page, name="target"),
    path("targets/<int:target_id>/visit/", visits.visit_record, name="visit"),
    path("targets/<int:target_id>/need/", needs.need_raise, name="need"),
    path("visits/<int:visit_id>/photos/<uuid:photo_uid>/", visits.visit_photo, name="visit_photo"),
]
