"""Dashboard figures beyond funnels: repurchase, retention, churn tied to purchases, average order
value, revenue per member.

Like definitions.py these read the apps above analytics (orders, chains, communities), so only
faces import this module. A buyer is known by the phone on the order (`contact_phone`), the same
identity funnels use for orders; a paid order is one with `paid_at` set, counted on the day it was
paid, whatever happened to it after (a later refund is revenue lost, not an unpaid order).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from apps.communities.models import Membership
from apps.communities.selectors import ChurnMonth, community_churn_by_month
from apps.core.money import money
from apps.orders.models import Order
from apps.reports.funnel import local_bounds, percent

ZERO = Decimal("0.00")


def paid_orders(
    *, community_ids: QuerySet | list[int], date_from: dt.date, date_to: dt.date
) -> QuerySet[Order]:
    start, end = local_bounds(date_from, date_to)
    return Order.objects.filter(community_id__in=community_ids, paid_at__gte=start, paid_at__lt=end)


# --- Repurchase -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repurchase:
    days: int
    buyers: int
    repeat_buyers: int

    @property
    def rate(self) -> Decimal | None:
        return percent(self.repeat_buyers, self.buyers)


def repurchase_rates(
    *, community_id: int, end: dt.date, windows: tuple[int, ...] = (30, 90)
) -> list[Repurchase]:
    """Buyers with two or more paid orders among everyone who paid in the last N days to `end`."""
    results = []
    for days in windows:
        per_buyer = (
            paid_orders(
                community_ids=[community_id],
                date_from=end - dt.timedelta(days=days - 1),
                date_to=end,
            )
            .values("contact_phone")
            .annotate(n=Count("pk"))
            .order_by()
        )
        row = {"buyers": 0, "repeat": 0}
        for buyer in per_buyer:
            row["buyers"] += 1
            row["repeat"] += buyer["n"] >= 2
        results.append(Repurchase(days=days, buyers=row["buyers"], repeat_buyers=row["repeat"]))
    return results


# --- Retention by join week --------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    week: dt.date  # Monday, local
    size: int
    retained: list[Decimal | None]  # percent still in the group after 1, 2, … weeks


def retention_by_join_week(
    *, community_id: int, weeks: int = 8, now: dt.datetime | None = None
) -> list[Cohort]:
    """Members who joined in each of the last `weeks` weeks, and the share still in the group
    after each following whole week (None where that week has not ended yet)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_week = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    start, _end = local_bounds(first_week, today)
    rows = Membership.objects.filter(community_id=community_id, joined_at__gte=start).values_list(
        "joined_at", "left_at"
    )
    by_week: dict[dt.date, list[tuple[dt.datetime, dt.datetime | None]]] = {}
    for joined_at, left_at in rows:
        local = timezone.localdate(joined_at)
        week = local - dt.timedelta(days=local.weekday())
        by_week.setdefault(week, []).append((joined_at, left_at))
    cohorts = []
    for index in range(weeks):
        week = first_week + dt.timedelta(days=7 * index)
        members = by_week.get(week, [])
        week_start, _ = local_bounds(week, week)
        retained: list[Decimal | None] = []
        for after in range(1, weeks + 1):
            mark = week_start + dt.timedelta(weeks=after)
            if mark > now:
                retained.append(None)
                continue
            stayed = sum(1 for _joined, left in members if left is None or left >= mark)
            retained.append(percent(stayed, len(members)))
        cohorts.append(Cohort(week=week, size=len(members), retained=retained))
    return cohorts


# --- Churn, and churn tied to purchases ---------------------------------------------------------


@dataclass(frozen=True)
class PurchaseChurn:
    left: int  # members who left in the range
    left_after_buying: int  # of them, those who had paid an order in the group before leaving
    median_days_after_last_order: float | None


def churn_after_purchase(
    *, community_id: int, date_from: dt.date, date_to: dt.date
) -> PurchaseChurn:
    """Members who left in the range, and how long after their last paid order they left."""
    start, end = local_bounds(date_from, date_to)
    last_paid = (
        Order.objects.filter(community_id=community_id, paid_at__lt=OuterRef("left_at"))
        .filter(Q(buyer_id=OuterRef("user_id")) | Q(contact_phone=OuterRef("user__phone")))
        .order_by("-paid_at")
        .values("paid_at")[:1]
    )
    leavers = list(
        Membership.objects.filter(community_id=community_id, left_at__gte=start, left_at__lt=end)
        .annotate(last_paid=Subquery(last_paid))
        .values_list("left_at", "last_paid")
    )
    gaps = [
        (left_at - last).total_seconds() / 86400 for left_at, last in leavers if last is not None
    ]
    return PurchaseChurn(
        left=len(leavers),
        left_after_buying=len(gaps),
        median_days_after_last_order=round(statistics.median(gaps), 1) if gaps else None,
    )


def monthly_churn(*, community_id: int, months: int = 6) -> list[ChurnMonth]:
    from apps.communities.models import Community

    return community_churn_by_month(Community(pk=community_id), months=months)


# --- Money per chain and per member -------------------------------------------------------------


@dataclass(frozen=True)
class ChainValue:
    chain_id: int
    title: str
    paid_orders: int
    revenue: Decimal

    @property
    def average_order_value(self) -> Decimal | None:
        return money(self.revenue / self.paid_orders) if self.paid_orders else None


def average_order_value_by_chain(
    *, chain_ids: QuerySet | list[int], date_from: dt.date, date_to: dt.date
) -> list[ChainValue]:
    """Paid orders and their total per chain (order totals, before any later refund)."""
    from apps.chains.models import Chain

    start, end = local_bounds(date_from, date_to)
    paid = Q(entries__order__paid_at__gte=start, entries__order__paid_at__lt=end)
    rows = (
        Chain.objects.filter(pk__in=chain_ids)
        .annotate(
            paid_orders=Count("entries", filter=paid),
            revenue=Sum("entries__order__total_amount", filter=paid),
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", "title", "paid_orders", "revenue")
    )
    return [
        ChainValue(chain_id=pk, title=title, paid_orders=count, revenue=revenue or ZERO)
        for pk, title, count, revenue in rows
    ]


@dataclass(frozen=True)
class MemberRevenue:
    revenue: Decimal  # paid less refunded, orders paid in the range
    members: int  # in the group at the end of the range

    @property
    def per_member(self) -> Decimal | None:
        return money(self.revenue / self.members) if self.members else None


def revenue_per_member(*, community_id: int, date_from: dt.date, date_to: dt.date) -> MemberRevenue:
    _start, end = local_bounds(date_from, date_to)
    revenue = paid_orders(
        community_ids=[community_id], date_from=date_from, date_to=date_to
    ).aggregate(total=Sum(F("paid_amount") - F("refunded_amount")))["total"]
    members = Membership.objects.filter(
        Q(left_at__isnull=True) | Q(left_at__gte=end), community_id=community_id, joined_at__lt=end
    ).count()
    return MemberRevenue(revenue=money(revenue or ZERO), members=members)


def chain_paid_orders(*, chain_id: int, date_from: dt.date, date_to: dt.date) -> int:
    """Orders of one chain paid in the range: what the chain funnel's 付款 step must match."""
    from apps.chains.models import ChainEntry

    start, end = local_bounds(date_from, date_to)
    return (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .filter(Exists(ChainEntry.objects.filter(order=OuterRef("pk"), chain_id=chain_id)))
        .count()
    )


def chain_paid_buyers(*, chain_id: int, date_from: dt.date, date_to: dt.date) -> int:
    """Distinct phones among those orders: a funnel counts people, so its 付款 step equals this
    when every buyer came through the chain page."""
    from apps.chains.models import ChainEntry

    start, end = local_bounds(date_from, date_to)
    return (
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .filter(Exists(ChainEntry.objects.filter(order=OuterRef("pk"), chain_id=chain_id)))
        .values("contact_phone")
        .distinct()
        .count()
    )
