from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role, has_role
from apps.catalog.models import Merchant
from apps.communities.selectors import communities_managed_by
from apps.core.money import ZERO
from apps.distribution.models import CommissionEntry, Distributor, PayoutBatch

Kind = CommissionEntry.Kind


def frozen_days() -> int:
    return int(getattr(settings, "DISTRIBUTION_FROZEN_DAYS", 7))


def min_payout() -> Decimal:
    return Decimal(str(getattr(settings, "DISTRIBUTION_MIN_PAYOUT", "10.00")))


def is_finance(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, Role.FINANCE)))


def distributor_by_code(code: str) -> Distributor | None:
    if not code:
        return None
    return (
        Distributor.objects.select_related("user", "parent__user")
        .filter(code=code, status=Distributor.Status.APPROVED)
        .first()
    )


def distributors_managed_by(user: User) -> QuerySet[Distributor]:
    """Distributors whose applications this user decides: their communities' or merchants'."""
    if user.is_superuser:
        return Distributor.objects.all()
    return Distributor.objects.filter(
        Q(community__in=communities_managed_by(user)) | Q(merchant__staff=user)
    ).distinct()


def entries_visible_to(user: User) -> QuerySet[CommissionEntry]:
    """Finance sees every row; merchant staff the rows of their merchant's distributors; anyone
    else only their own."""
    entries = CommissionEntry.objects.select_related("beneficiary", "order", "distributor")
    if is_finance(user):
        return entries
    merchants = Merchant.objects.filter(staff=user)
    return entries.filter(Q(beneficiary=user) | Q(merchant__in=merchants))


def _sum(condition: Q) -> Coalesce:
    return Coalesce(
        Sum("amount", filter=condition),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _state_conditions(now: datetime) -> dict[str, Q]:
    """pending: the order has not completed; frozen: completed within the after-sales window;
    available: past the window, and every row without an order (payouts, adjustments)."""
    release = now - timedelta(days=frozen_days())
    return {
        "pending": Q(order__isnull=False, order__completed_at__isnull=True),
        "frozen": Q(order__completed_at__gt=release),
        "available": Q(order__isnull=True) | Q(order__completed_at__lte=release),
    }


@dataclass(frozen=True)
class Balance:
    pending: Decimal
    frozen: Decimal
    available: Decimal

    @property
    def total(self) -> Decimal:
        return self.pending + self.frozen + self.available


def balance_of(user: User, *, now: datetime | None = None) -> Balance:
    row = CommissionEntry.objects.filter(beneficiary=user).aggregate(
        **{name: _sum(q) for name, q in _state_conditions(now or timezone.now()).items()}
    )
    return Balance(**row)


def available_balances(*, now: datetime | None = None) -> dict[int, Decimal]:
    """Every beneficiary's available balance, in one query."""
    conditions = _state_conditions(now or timezone.now())
    rows = (
        CommissionEntry.objects.values("beneficiary_id")
        .annotate(available=_sum(conditions["available"]))
        .order_by("beneficiary_id")
    )
    return {row["beneficiary_id"]: row["available"] for row in rows}


def open_batch_amounts() -> dict[int, Decimal]:
    """What batches not yet paid already hold for each beneficiary (so nothing is paid twice)."""
    rows = (
        PayoutBatch.objects.exclude(status=PayoutBatch.Status.PAID)
        .values("lines__beneficiary_id")
        .annotate(held=Sum("lines__amount"))
        .filter(lines__beneficiary_id__isnull=False)
    )
    return {row["lines__beneficiary_id"]: row["held"] for row in rows}


@dataclass(frozen=True)
class ReportFilters:
    start: date | None = None
    end: date | None = None
    beneficiary: str = ""  # username, name or phone fragment
    merchant_id: int | None = None


def _period(filters: ReportFilters) -> Q:
    q = Q()
    if filters.start:
        q &= Q(created_at__date__gte=filters.start)
    if filters.end:
        q &= Q(created_at__date__lte=filters.end)
    return q


def report_entries(user: User, filters: ReportFilters) -> QuerySet[CommissionEntry]:
    entries = entries_visible_to(user)
    if filters.beneficiary:
        term = filters.beneficiary
        entries = entries.filter(
            Q(beneficiary__username__icontains=term)
            | Q(beneficiary__display_name__icontains=term)
            | Q(beneficiary__phone__contains=term)
        )
    if filters.merchant_id:
        entries = entries.filter(merchant_id=filters.merchant_id)
    return entries


def report_by_beneficiary(user: User, filters: ReportFilters) -> list[dict[str, Any]]:
    """Per beneficiary for the period: sales (commissioned paid amount), accrued, reversed,
    adjusted, ad share (a leader's part of the ads shown in their groups), net, paid; and the
    balance today (all time). Net is everything earned in the period: balance moves by net
    less paid."""
    period = _period(filters)
    rows = (
        report_entries(user, filters)
        .values(
            "beneficiary_id",
            "beneficiary__username",
            "beneficiary__display_name",
            "beneficiary__phone",
        )
        .annotate(
            sales=Coalesce(
                Sum("base_amount", filter=period & Q(kind=Kind.ACCRUAL)),
                Value(ZERO),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            accrued=_sum(period & Q(kind=Kind.ACCRUAL)),
            reversed=_sum(period & Q(kind=Kind.REVERSAL)),
            adjusted=_sum(period & Q(kind=Kind.ADJUSTMENT)),
            ad_share=_sum(period & Q(kind=Kind.AD_SHARE)),
            paid=_sum(period & Q(kind=Kind.PAYOUT)),
            balance=_sum(Q()),
        )
        .order_by("beneficiary__username")
    )
    result = []
    for row in rows:
        row["net"] = row["accrued"] + row["reversed"] + row["adjusted"] + row["ad_share"]
        row["paid"] = -row["paid"]
        result.append(row)
    return result


def report_order_detail(user: User, filters: ReportFilters) -> QuerySet[CommissionEntry]:
    return (
        report_entries(user, filters)
        .filter(_period(filters))
        .order_by("created_at", "id")
        .select_related("order", "beneficiary", "batch")
    )
