"""Who may see which figures: every dashboard and API answer starts from these querysets.

A leader sees the communities they own or administer and the chains they run; a merchant's staff
and managers see their merchants; advertisers see their campaigns and operations see all (the
ads app decides, `campaigns_visible_to`). Anything else is a 404, never a hint that it exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Merchant
from apps.chains.models import Chain
from apps.chains.selectors import chains_led_by
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.errors import NotFound
from apps.courses.models import Course
from apps.reports.definitions import Scope, ScopeKind


def communities_for_dashboard(user: User) -> QuerySet[Community]:
    """Communities the user manages, and those where they run chains."""
    return (
        Community.objects.filter(
            Q(pk__in=communities_managed_by(user).values("pk")) | Q(chains__leader=user)
        )
        .distinct()
        .order_by("pk")
    )


def merchants_for_dashboard(user: User) -> QuerySet[Merchant]:
    return Merchant.objects.filter(Q(staff=user) | Q(managers=user)).distinct().order_by("pk")


def courses_for_dashboard(user: User) -> QuerySet[Course]:
    return Course.objects.filter(
        Q(community__in=communities_managed_by(user)) | Q(instructor=user)
    ).distinct()


def campaigns_for_dashboard(user: User) -> QuerySet[Any]:
    from apps.ads.selectors import campaigns_visible_to

    return campaigns_visible_to(user)


def scope_visible(*, user: User, scope: Scope) -> bool:
    if scope.kind == ScopeKind.CHAIN:
        return chains_led_by(user).filter(pk=scope.id).exists()
    if scope.kind == ScopeKind.COMMUNITY:
        return communities_for_dashboard(user).filter(pk=scope.id).exists()
    if scope.kind == ScopeKind.LEADER:
        return scope.id == user.pk
    if scope.kind == ScopeKind.MERCHANT:
        return merchants_for_dashboard(user).filter(pk=scope.id).exists()
    if scope.kind == ScopeKind.COURSE:
        return courses_for_dashboard(user).filter(pk=scope.id).exists()
    if scope.kind == ScopeKind.CAMPAIGN:
        return campaigns_for_dashboard(user).filter(pk=scope.id).exists()
    return False


def scope_require(*, user: User, scope: Scope) -> None:
    if not scope_visible(user=user, scope=scope):
        raise NotFound(_("没有找到这个范围的数据"))


def chains_of_community_for(user: User, community_id: int) -> QuerySet[Chain]:
    return chains_led_by(user).filter(community_id=community_id).order_by("-created_at", "-pk")
