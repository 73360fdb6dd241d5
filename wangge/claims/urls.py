"""Pages of claims, under /claims/."""

from django.urls import path

from wangge.claims.views import agreements, lists, member_units, overview, volunteers

app_name = "claims"
urlpatterns = [
    path("", overview.claims_home, name="home"),
    path("unit/", overview.unit_home, name="unit_home"),
    path("funds/", overview.funds_page, name="funds"),
    path("member-units/", member_units.member_unit_list, name="member_units"),
    path("member-units/new/", member_units.member_unit_create, name="member_unit_create"),
    path("member-units/<int:member_unit_id>/", member_units.member_unit_page, name="member_unit"),
    path(
        "member-units/<int:member_unit_id>/edit/",
        member_units.member_unit_edit,
        name="member_unit_edit",
    ),
    path(
        "member-units/<int:member_unit_id>/contacts/new/",
        member_units.contact_create,
        name="contact_create",
    ),
    path(
        "member-units/<int:member_unit_id>/resources/new/",
        member_units.resource_create,
        name="resource_create",
    ),
    path("resources/", lists.resource_list, name="resources"),
    path("needs/", lists.need_list, name="needs"),
    path("needs/new/", lists.need_create, name="need_create"),
    path("needs/<int:need_id>/", lists.need_page, name="need"),
    path("needs/<int:need_id>/edit/", lists.need_edit, name="need_edit"),
    path("needs/<int:need_id>/claim/", lists.need_claim, name="need_claim"),
    path("needs/<int:need_id>/close/", lists.need_close, name="need_close"),
    path("projects/", lists.project_list, name="projects"),
    path("projects/new/", lists.project_create, name="project_create"),
    path("projects/<int:project_id>/", lists.project_page, name="project"),
    path("projects/<int:project_id>/claim/", lists.project_claim, name="project_claim"),
    path("projects/<int:project_id>/spend/", lists.project_spend, name="project_spend"),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/export/", agreements.agreement_export, name="agreement_export"),
    path("agreements/<int:agreement_id>/", agreements.agreement_page, name="agreement"),
    path(
        "agreements/<int:agreement_id>/progress/",
        agreements.agreement_progress,
        name="agreement_progress",
    ),
    path(
        "agreements/<int:agreement_id>/deliverables/",
        agreements.agreement_deliverable,
        name="agreement_deliverable",
    ),
    path(
        "agreements/<int:agreement_id>/complete/",
        agreements.agreement_complete,
        name="agreement_complete",
    ),
    path(
        "agreements/<int:agreement_id>/cancel/",
        agreements.agreement_cancel,
        name="agreement_cancel",
    ),
    path("evidence/<int:claim_evidence_id>/", agreements.evidence_file, name="evidence"),
    path("volunteers/", volunteers.volunteer_list, name="volunteers"),
    path("volunteers/<int:volunteer_id>/", volunteers.volunteer_page, name="volunteer"),
    path(
        "volunteers/<int:volunteer_id>/decide/",
        volunteers.volunteer_decide,
        name="volunteer_decide",
    ),
    path(
        "volunteers/<int:volunteer_id>/hours/",
        volunteers.volunteer_hours,
        name="volunteer_hours",
    ),
    path("hours/<int:hours_id>/decide/", volunteers.hours_decide, name="hours_decide"),
    path("wishes/", volunteers.wish_list, name="wishes"),
    path("wishes/new/", volunteers.wish_create, name="wish_create"),
    path("wishes/<int:wish_id>/fulfil/", volunteers.wish_fulfil, name="wish_fulfil"),
    path("posts/", volunteers.post_list, name="posts"),
    path("posts/new/", volunteers.post_create, name="post_create"),
]
