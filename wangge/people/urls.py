"""Pages of the person-house registry, under /people/."""

from django.urls import path

from wangge.people.views import (
    audit,
    grids,
    houses,
    imports,
    landlord,
    notices,
    organisations,
    persons,
    registry,
    tag_kinds,
)

app_name = "people"
urlpatterns = [
    path("", registry.registry_home, name="home"),
    path("visits/", registry.visits_due_page, name="visits_due"),
    path("audit/", audit.reveal_log, name="audit"),
    path("grids/<str:code>/", grids.grid_page, name="grid"),
    path(
        "grids/<str:code>/organisations/",
        organisations.organisation_list,
        name="organisations",
    ),
    path(
        "grids/<str:code>/organisations/new/",
        organisations.organisation_create,
        name="organisation_create",
    ),
    path("grids/<str:code>/export/persons/", imports.grid_export_persons, name="export_persons"),
    path("grids/<str:code>/export/houses/", imports.grid_export_houses, name="export_houses"),
    path(
        "organisations/<int:organisation_id>/",
        organisations.organisation_page,
        name="organisation",
    ),
    path(
        "organisations/<int:organisation_id>/edit/",
        organisations.organisation_edit,
        name="organisation_edit",
    ),
    path("tags/", tag_kinds.tag_kind_list, name="tag_kinds"),
    path("tags/new/", tag_kinds.tag_kind_create, name="tag_kind_create"),
    path("tags/<str:code>/", tag_kinds.tag_kind_edit, name="tag_kind_edit"),
    path("import/", imports.import_page, name="import"),
    path("import/templates/<str:kind>.xlsx", imports.import_template, name="import_template"),
    path("import/<uuid:uid>/", imports.import_progress, name="import_progress"),
    path("import/<uuid:uid>/errors.xlsx", imports.import_errors, name="import_errors"),
    path("landlord/", landlord.landlord_start, name="landlord"),
    path("landlord/house/", landlord.landlord_house, name="landlord_house"),
    path("landlord/house/move-in/", landlord.landlord_move_in, name="landlord_move_in"),
    path(
        "landlord/house/move-out/<int:residence_id>/",
        landlord.landlord_move_out,
        name="landlord_move_out",
    ),
    path("landlord/leave/", landlord.landlord_leave, name="landlord_leave"),
    path("houses/<int:house_id>/notice/", notices.house_notice, name="house_notice"),
    path("houses/<int:house_id>/", houses.house_page, name="house"),
    path("houses/<int:house_id>/move-in/", houses.house_move_in, name="house_move_in"),
    path("houses/<int:house_id>/facts/", houses.house_facts, name="house_facts"),
    path(
        "residences/<int:residence_id>/move-out/",
        houses.residence_move_out,
        name="residence_move_out",
    ),
    path("persons/<int:person_id>/", persons.person_page, name="person"),
    path("persons/<int:person_id>/reveal/", persons.person_reveal, name="person_reveal"),
    path(
        "persons/<int:person_id>/sensitive-tags/",
        persons.person_sensitive_tags,
        name="person_sensitive_tags",
    ),
    path("persons/<int:person_id>/tags/", persons.person_give_tag, name="person_give_tag"),
    path("persons/<int:person_id>/visits/", persons.person_visit, name="person_visit"),
    path("persons/<int:person_id>/edit/", persons.person_edit, name="person_edit"),
]
