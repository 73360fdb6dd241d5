"""An authentication backend that grants Django permissions from roles (it authenticates no
one). Apps below org, such as notifications, check `user.has_perm(...)`; this backend answers
from `roles.ROOT_ROLE_PERMISSIONS` for roles held at a root of the org tree."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from wangge.org.models import OrgUnit
from wangge.org.permissions import active_memberships
from wangge.org.roles import ROOT_ROLE_PERMISSIONS


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        # Cached on the user object for the request, as Django's own backend does (a page asks
        # several times: the menu, the page, the template).
        cached = getattr(user_obj, "_wangge_role_permissions", None)
        if cached is not None:
            return cached
        memberships = [
            (role, path)
            for role, path in active_memberships(user_obj)
            if role in ROOT_ROLE_PERMISSIONS
        ]
        granted: set[str] = set()
        if memberships:
            roots = set(OrgUnit.objects.filter(parent__isnull=True).values_list("path", flat=True))
            for role, path in memberships:
                if path in roots:
                    granted |= ROOT_ROLE_PERMISSIONS[role]
        user_obj._wangge_role_permissions = granted
        return granted

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
