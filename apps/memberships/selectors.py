"""Membership reads. Apps above (chains) ask `member_of_community` for member benefits."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.errors import NotFound
from apps.memberships.models import MembershipPlan, Subscription, SubscriptionPeriod
from apps.orders.models import Order

Status = Subscription.Status
CURRENT_STATUSES = (Status.TRIAL, Status.ACTIVE, Status.GRACE)


def grace_period() -> timedelta:
    return timedelta(days=settings.MEMBERSHIPS_GRACE_DAYS)


def current_q(now: datetime | None = None, prefix: str = "") -> Q:
    """Subscriptions giving benefits at `now`: judged by the dates as well as the status, so a
    member whose end passed before the expiry task ran never gets a benefit they no longer have."""
    now = now or timezone.now()
    p = prefix
    paid = Q(**{f"{p}status__in": [Status.ACTIVE, Status.GRACE]}) & (
        Q(**{f"{p}ends_at__isnull": True}) | Q(**{f"{p}ends_at__gt": now - grace_period()})
    )
    trial = Q(**{f"{p}status": Status.TRIAL, f"{p}ends_at__gt": now})
    return paid | trial


def is_current(subscription: Subscription, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if subscription.status == Status.TRIAL:
        return subscription.ends_at is not None and subscription.ends_at > now
    if subscription.status in (Status.ACTIVE, Status.GRACE):
        return subscription.ends_at is None or subscription.ends_at + grace_period() > now
    return False


def member_of_community(*, user_id: int | None, community_id: int) -> bool:
    """Whether the user holds a current membership of any plan of the community (one query)."""
    if user_id is None:
        return False
    return Subscription.objects.filter(
        current_q(), user_id=user_id, plan__community_id=community_id
    ).exists()


def community_sells_membership(community: Community) -> bool:
    """The lifecycle playbook's 会员收费 step: the group has a plan on sale."""
    return MembershipPlan.objects.filter(community=community, active=True).exists()


def plans_on_sale(*, community: Community) -> QuerySet[MembershipPlan]:
    return MembershipPlan.objects.filter(community=community, active=True).order_by("price", "pk")


def plan_price_for(*, plan: MembershipPlan, subscription: Subscription | None) -> Decimal:
    """A member renewing without a break keeps the price they bought at; anyone else pays the
    plan's current price."""
    if (
        subscription is not None
        and subscription.price is not None
        and subscription.status in (Status.ACTIVE, Status.GRACE)
        and is_current(subscription)
    ):
        return subscription.price
    return plan.price


def subscriptions_of(*, user: User) -> QuerySet[Subscription]:
    """A member's subscriptions with their plan, community and history (three queries)."""
    return (
        Subscription.objects.filter(user=user)
        .select_related("plan__community")
        .prefetch_related(
            Prefetch("periods", queryset=SubscriptionPeriod.objects.select_related("order"))
        )
        .order_by("-updated_at", "-pk")
    )


def pending_orders_of(*, user: User) -> list[Order]:
    """The member's membership orders waiting for payment."""
    return list(
        Order.objects.filter(
            buyer=user,
            status=Order.Status.PENDING_PAYMENT,
            lines__sku__membership_plan__isnull=False,
        )
        .select_related("community")
        .prefetch_related("lines")
        .distinct()
        .order_by("-created_at")
    )


def community_for_manager(*, user: User, community_id: int) -> Community:
    """A community the user owns or administers; any other is "not found", never "forbidden"."""
    community = communities_managed_by(user).filter(pk=community_id).first()
    if community is None:
        raise NotFound(_("群不存在"))
    return community


def community_subscriptions(*, community: Community) -> QuerySet[Subscription]:
    """The leader's member list: each subscription with its member, plan and count of purchases,
    in a fixed number of queries however many members."""
    return (
        Subscription.objects.filter(plan__community=community)
        .select_related("user", "plan")
        .annotate(
            purchases=Count(
                "periods", filter=~Q(periods__kind="trial") & Q(periods__revoked_at=None)
            )
        )
        .order_by("ends_at", "pk")
    )


def community_pending_orders(*, community: Community) -> QuerySet[Order]:
    return (
        Order.objects.filter(
            community=community,
            status=Order.Status.PENDING_PAYMENT,
            lines__sku__membership_plan__isnull=False,
        )
        .select_related("buyer")
        .distinct()
        .order_by("created_at")
    )


@dataclass(frozen=True)
class MembershipSummary:
    current: int
    renewals_30d: int
    expiring_7d: int
    expired_30d: int


def membership_summary(*, community: Community, now: datetime | None = None) -> MembershipSummary:
    now = now or timezone.now()
    subs = Subscription.objects.filter(plan__community=community)
    figures = subs.aggregate(
        current=Count("pk", filter=current_q(now)),
        expiring=Count(
            "pk",
            filter=Q(status__in=[Status.ACTIVE, Status.TRIAL])
            & Q(ends_at__gt=now, ends_at__lte=now + timedelta(days=7)),
        ),
        expired=Count(
            "pk",
            filter=Q(status=Status.EXPIRED, ends_at__gt=now - timedelta(days=30) - grace_period()),
        ),
    )
    renewals = SubscriptionPeriod.objects.filter(
        subscription__plan__community=community,
        kind=SubscriptionPeriod.Kind.RENEWAL,
        revoked_at=None,
        created_at__gt=now - timedelta(days=30),
    ).count()
    return MembershipSummary(
        current=figures["current"],
        renewals_30d=renewals,
        expiring_7d=figures["expiring"],
        expired_30d=figures["expired"],
    )


def plan_for_manager(*, user: User, plan_id: int) -> MembershipPlan:
    """A plan of a community the user runs; any other is "not found"."""
    plan = (
        MembershipPlan.objects.select_related("community", "sku", "monthly_coupon")
        .filter(pk=plan_id, community__in=communities_managed_by(user))
        .first()
    )
    if plan is None:
        raise NotFound(_("会员方案不存在"))
    return plan
