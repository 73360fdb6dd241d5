"""Pages of meetings, under /meetings/."""

from django.urls import path

from wangge.meetings.views import procedures, votes, work

app_name = "meetings"
urlpatterns = [
    path("", work.home, name="home"),
    path("topics/", work.topic_list, name="topics"),
    path("topics/new/", work.topic_create, name="topic_create"),
    path("topics/<int:topic_id>/", work.topic_page, name="topic"),
    path("topics/<int:topic_id>/reject/", work.topic_reject, name="topic_reject"),
    path(
        "communities/<int:community_id>/stuck-cases/",
        work.topics_from_cases,
        name="topics_from_cases",
    ),
    path("list/", work.meeting_list, name="meetings"),
    path("new/", work.meeting_create, name="meeting_create"),
    path("<int:meeting_id>/", work.meeting_page, name="meeting"),
    path(
        "<int:meeting_id>/invitees/<int:invitee_id>/",
        work.invitee_sign_in,
        name="invitee_sign_in",
    ),
    *[
        path(
            f"<int:meeting_id>/{step}/", work.meeting_action, {"step": step}, name=f"meeting_{step}"
        )
        for step in ("minutes", "invite", "agenda", "decision", "hold", "cancel")
    ],
    path("tasks/", work.task_list, name="tasks"),
    path("tasks/<int:task_id>/", work.task_page, name="task"),
    path(
        "tasks/<int:task_id>/evidence/<int:evidence_id>/",
        work.task_evidence,
        name="task_evidence",
    ),
    path("votes/", votes.vote_list, name="votes"),
    path("votes/new/", votes.vote_create, name="vote_create"),
    path("votes/<int:vote_id>/", votes.vote_page, name="vote"),
    path("votes/<int:vote_id>/links/", votes.vote_links, name="vote_links"),
    path("votes/<int:vote_id>/close/", votes.vote_close, name="vote_close"),
    path("procedures/", procedures.procedure_list, name="procedures"),
    path("procedures/new/", procedures.procedure_create, name="procedure_create"),
    path("procedures/<int:procedure_id>/", procedures.procedure_page, name="procedure"),
    path(
        "procedures/<int:procedure_id>/documents/<int:document_id>/",
        procedures.procedure_document,
        name="procedure_document",
    ),
]
