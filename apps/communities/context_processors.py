"""What the menu offers a signed-in user: the group-running pages only to those who run a group."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.communities.selectors import MANAGING_ROLES


def runs_groups(user: User) -> bool:
    """A leader (the role operations grant), or an owner or admin of a group now. One query."""
    if user.is_superuser:
        return True
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            Q(groups__name=Role.LEADER.value)
            | Q(memberships__role__in=MANAGING_ROLES, memberships__left_at=None)
        )
        .exists()
    )


def menu(request: HttpRequest) -> dict[str, Any]:
    """`runs_groups` for the page's menu, asked only when a page renders it (lazily, once)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"runs_groups": False}
    return {"runs_groups": SimpleLazyObject(lambda: runs_groups(user))}
