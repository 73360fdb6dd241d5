"""Who may see and run which meetings: everything belongs to one community or village, seen by
those who hold `view_meetings` over it and run by those who hold `run_meetings` over it. A grid
worker holds their capabilities in a grid: they see the meetings of the community their grid
lies in (their community's decisions are their work too) but run none. The owner of a task
always sees it. An object outside the user's reach is NotFound, as an unknown one is."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from wangge.core.models import User
from wangge.meetings.exceptions import NotAllowed, NotFound
from wangge.meetings.models import Meeting, Procedure, Task, Topic, Vote
from wangge.org.models import OrgUnit
from wangge.org.permissions import scope_for
from wangge.org.roles import AREA_KINDS, Capability

AnyUser = User | AnonymousUser


def communities_for(user: AnyUser, capability: str = Capability.VIEW_MEETINGS) -> QuerySet[OrgUnit]:
    """The communities and villages where `user` holds `capability`, or, for `view_meetings`,
    whose grid they hold it in."""
    scope = scope_for(user, capability)
    areas = OrgUnit.objects.filter(kind__in=AREA_KINDS, is_active=True)
    if scope.everything:
        return areas
    if scope.is_empty:
        return areas.none()
    condition = Q(pk__in=scope.filter(OrgUnit.objects.all()).values("pk"))
    if capability == Capability.VIEW_MEETINGS:
        parents = [
            int(path.strip("/").split("/")[-2]) for path in scope.paths if path.count("/") > 2
        ]
        condition |= Q(pk__in=parents)
    return areas.filter(condition)


def _in_communities(queryset: QuerySet, user: AnyUser, capability: str) -> QuerySet:
    scope = scope_for(user, capability)
    if scope.everything:
        return queryset
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(community__in=communities_for(user, capability).values("pk"))


def visible_topics(user: AnyUser) -> QuerySet[Topic]:
    return _in_communities(Topic.objects.all(), user, Capability.VIEW_MEETINGS)


def visible_meetings(user: AnyUser) -> QuerySet[Meeting]:
    return _in_communities(Meeting.objects.all(), user, Capability.VIEW_MEETINGS)


def visible_votes(user: AnyUser) -> QuerySet[Vote]:
    return _in_communities(Vote.objects.all(), user, Capability.VIEW_MEETINGS)


def visible_procedures(user: AnyUser) -> QuerySet[Procedure]:
    return _in_communities(Procedure.objects.all(), user, Capability.VIEW_MEETINGS)


def visible_tasks(user: AnyUser) -> QuerySet[Task]:
    if not user.is_authenticated:
        return Task.objects.none()
    in_reach = _in_communities(Task.objects.all(), user, Capability.VIEW_MEETINGS)
    return Task.objects.filter(Q(pk__in=in_reach.values("pk")) | Q(owner=user))


def may_run(user: AnyUser | None, community: OrgUnit) -> bool:
    """Whether `user` holds `run_meetings` over `community` (None is the system: always)."""
    if user is None:
        return True
    return scope_for(user, Capability.RUN_MEETINGS).contains(community.path)


def may_run_any(user: AnyUser) -> bool:
    return not scope_for(user, Capability.RUN_MEETINGS).is_empty


def may_view_any(user: AnyUser) -> bool:
    return not scope_for(user, Capability.VIEW_MEETINGS).is_empty


def require_run(user: User | None, community: OrgUnit) -> None:
    if not may_run(user, community):
        raise NotAllowed()


def _get(queryset: QuerySet, pk: object) -> object:
    try:
        return queryset.get(pk=int(str(pk)))
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound() from None


def get_community_for_user(
    user: AnyUser, unit_id: object, capability: str = Capability.VIEW_MEETINGS
) -> OrgUnit:
    return _get(communities_for(user, capability), unit_id)  # type: ignore[return-value]


def get_topic_for_user(user: AnyUser, topic_id: object) -> Topic:
    topics = visible_topics(user).select_related("community", "case", "meeting")
    return _get(topics, topic_id)  # type: ignore[return-value]


def get_meeting_for_user(user: AnyUser, meeting_id: object) -> Meeting:
    meetings = visible_meetings(user).select_related("community", "organiser")
    return _get(meetings, meeting_id)  # type: ignore[return-value]


def get_vote_for_user(user: AnyUser, vote_id: object) -> Vote:
    votes = visible_votes(user).select_related("community", "decision")
    return _get(votes, vote_id)  # type: ignore[return-value]


def get_task_for_user(user: AnyUser, task_id: object) -> Task:
    tasks = visible_tasks(user).select_related("community", "owner", "decision__meeting")
    return _get(tasks, task_id)  # type: ignore[return-value]


def get_procedure_for_user(user: AnyUser, procedure_id: object) -> Procedure:
    procedures = visible_procedures(user).select_related("community")
    return _get(procedures, procedure_id)  # type: ignore[return-value]
