"""Membership writes: plans, buying, granting on payment, revoking on refund, expiry, coupons.

Lock order: the member-and-plan advisory lock, then the Subscription row. Granting runs inside
the order's transition (the order row is already locked by orders), so a paid event handled
twice finds the period it wrote and changes nothing.

Stock: a membership SKU is given ample stock (MEMBERSHIP_STOCK) and the order takes it like any
other. Orders put stock back unconditionally when an unpaid order is cancelled, so taking none
would make every cancellation add phantom stock; taking it keeps the movement trail symmetric and
a shortage can never happen in practice.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.analytics.tracking import track
from apps.catalog.models import Merchant, Product
from apps.catalog.services import sku_create
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.locks import LockSpace, advisory_lock
from apps.core.money import ZERO, money
from apps.memberships import selectors
from apps.memberships.models import (
    MemberCoupon,
    MembershipPlan,
    Period,
    Subscription,
    SubscriptionPeriod,
)
from apps.memberships.periods import period_end
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.orders import services as orders
from apps.orders.models import Order
from apps.rewards.models import CouponTemplate
from apps.rewards.services import coupon_grant

Status = Subscription.Status
Kind = SubscriptionPeriod.Kind
MEMBERSHIP_STOCK = 1_000_000_000
MAX_TRIAL_DAYS = 90


# --- Plans (leaders) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTerms:
    name: str
    price: Decimal
    benefits: str = ""
    trial_days: int = 0
    monthly_coupon: CouponTemplate | None = None
    active: bool = True


def _require_manager(*, community: Community, user: User) -> None:
    if not communities_managed_by(user).filter(pk=community.pk).exists():
        raise PermissionDenied(_("只有群主和群管理员可以管理会员方案"))


def _validate_terms(*, community: Community, terms: PlanTerms) -> None:
    if not terms.name.strip():
        raise InvalidInput(_("请填写方案名称"), field="name")
    if terms.price is None or money(terms.price) <= 0:
        raise InvalidInput(_("价格必须大于0"), field="price")
    if not 0 <= terms.trial_days <= MAX_TRIAL_DAYS:
        raise InvalidInput(
            _("试用天数必须在0到%(max)s之间") % {"max": MAX_TRIAL_DAYS}, field="trial_days"
        )
    if terms.monthly_coupon is not None and terms.monthly_coupon.community_id != community.pk:
        raise InvalidInput(_("只能选择本群的优惠券"), field="monthly_coupon")


def _house_merchant(community: Community) -> Merchant:
    """The community's own seller of record for what it sells itself (memberships)."""
    merchant, _created = Merchant.objects.get_or_create(
        name=f"会员#{community.pk} {community.name}"[:64]
    )
    return merchant


@transaction.atomic
def plan_create(
    *, community: Community, actor: User, period: str, terms: PlanTerms
) -> MembershipPlan:
    _require_manager(community=community, user=actor)
    if period not in Period.values:
        raise InvalidInput(_("请选择会员周期"), field="period")
    _validate_terms(community=community, terms=terms)
    price = money(terms.price)
    product = Product.objects.create(
        merchant=_house_merchant(community),
        title=terms.name.strip(),
        description=terms.benefits.strip(),
        kind=Product.Kind.MEMBERSHIP,
        active=terms.active,
    )
    sku = sku_create(
        product=product,
        spec=str(Period(period).label),
        price=price,
        code=f"MS{community.pk}-{secrets.token_hex(6).upper()}",
        stock=MEMBERSHIP_STOCK,
        actor=actor,
    )
    return MembershipPlan.objects.create(
        community=community,
        name=terms.name.strip(),
        period=period,
        price=price,
        benefits=terms.benefits.strip(),
        trial_days=terms.trial_days,
        monthly_coupon=terms.monthly_coupon,
        product=product,
        sku=sku,
        active=terms.active,
        created_by=actor,
    )


@transaction.atomic
def plan_update(*, plan: MembershipPlan, actor: User, terms: PlanTerms) -> MembershipPlan:
    """Change a plan's name, price, benefits, trial and coupon. Its period never changes, and
    existing subscriptions keep the price they bought at (their own snapshot)."""
    _require_manager(community=plan.community, user=actor)
    _validate_terms(community=plan.community, terms=terms)
    plan = MembershipPlan.objects.select_for_update().get(pk=plan.pk)
    plan.name = terms.name.strip()
    plan.price = money(terms.price)
    plan.benefits = terms.benefits.strip()
    plan.trial_days = terms.trial_days
    plan.monthly_coupon = terms.monthly_coupon
    plan.active = terms.active
    plan.save(
        update_fields=[
            "name",
            "price",
            "benefits",
            "trial_days",
            "monthly_coupon",
            "active",
            "updated_at",
        ]
    )
    Product.objects.filter(pk=plan.product_id).update(
        title=plan.name, description=plan.benefits, active=plan.active, updated_at=timezone.now()
    )
    plan.sku.price = plan.price
    plan.sku.active = plan.active
    plan.sku.save(update_fields=["price", "active", "updated_at"])
    return plan


# --- Members: trial and buying -------------------------------------------------------------


def _lock_member_plan(*, plan_id: int, user_id: int) -> None:
    """Serialise one member's trial, purchases and grants of one plan."""
    advisory_lock(LockSpace.MEMBERSHIP_PLAN_MEMBER, f"{plan_id}:{user_id}")


def _subscription(*, plan: MembershipPlan, user: User) -> Subscription | None:
    return Subscription.objects.select_for_update().filter(plan=plan, user_id=user.pk).first()


def _require_on_sale(plan: MembershipPlan) -> None:
    if not plan.active:
        raise Conflict(_("这个会员方案已停售"), code="plan_inactive")
    if plan.community.dissolved_at is not None:
        raise Conflict(_("这个群已解散"), code="community_dissolved")


@transaction.atomic
def subscription_trial_start(
    *, plan: MembershipPlan, user: User, now: datetime | None = None
) -> Subscription:
    """A free trial of `plan.trial_days`, once per member per plan, ever."""
    now = now or timezone.now()
    plan = MembershipPlan.objects.select_related("community").get(pk=plan.pk)
    _require_on_sale(plan)
    if plan.trial_days <= 0:
        raise InvalidInput(_("这个方案没有免费试用"), field="plan")
    _lock_member_plan(plan_id=plan.pk, user_id=user.pk)
    subscription = _subscription(plan=plan, user=user)
    if subscription is not None:
        if subscription.periods.filter(kind=Kind.TRIAL).exists():
            raise Conflict(_("你已经试用过这个会员方案"), code="trial_used")
        if selectors.is_current(subscription, now):
            raise Conflict(_("你已经是会员，无需试用"), code="already_member")
    ends_at = now + timedelta(days=plan.trial_days)
    if subscription is None:
        subscription = Subscription(user=user, plan=plan, period=plan.period)
    subscription.status = Status.TRIAL
    subscription.starts_at = now
    subscription.ends_at = ends_at
    subscription.save()
    SubscriptionPeriod.objects.create(
        subscription=subscription,
        kind=Kind.TRIAL,
        period=plan.period,
        price=ZERO,
        starts_at=now,
        ends_at=ends_at,
    )
    track(
        "membership_trial_started",
        actor=user,
        community=plan.community_id,
        subject=plan,
        properties={"days": plan.trial_days},
    )
    return subscription


@transaction.atomic
def membership_order_create(*, plan: MembershipPlan, buyer: User) -> Order:
    """A pending order for one period of `plan`, paid like a chain order (to the leader, or
    online). A member who already has one waiting for payment gets that order back, so a double
    tap never makes two. The plan is read afresh: its price may have changed since it was shown."""
    plan = MembershipPlan.objects.select_related("community", "sku").get(pk=plan.pk)
    _require_on_sale(plan)
    _lock_member_plan(plan_id=plan.pk, user_id=buyer.pk)
    pending = (
        Order.objects.filter(
            buyer=buyer, status=Order.Status.PENDING_PAYMENT, lines__sku_id=plan.sku_id
        )
        .order_by("pk")
        .first()
    )
    if pending is not None:
        return pending
    subscription = _subscription(plan=plan, user=buyer)
    if (
        subscription is not None
        and subscription.ends_at is None
        and selectors.is_current(subscription)
    ):
        raise Conflict(_("你已经是终身会员"), code="already_lifetime")
    price = selectors.plan_price_for(plan=plan, subscription=subscription)
    return orders.order_create(
        community=plan.community,
        buyer=buyer,
        contact_name=buyer.shown_name[:32],
        contact_phone=buyer.phone or "",
        lines=[
            orders.LineRequest(
                sku=plan.sku,
                title=f"{plan.name}（{Period(plan.period).label}）",
                unit_price=price,
                quantity=1,
            )
        ],
    )


# --- Granting on payment, revoking on refund --------------------------------------------------


def subscription_extend(*, order: Order, now: datetime | None = None) -> SubscriptionPeriod | None:
    """Grant or extend the membership a paid order bought. Called by the order_paid receiver
    inside the payment's transaction; a second call for the same order changes nothing.

    A member still current (active, or in grace) is extended from their current end, not from
    today; anyone else starts today. A trial running when they buy is kept: the paid period
    starts where the trial ends."""
    if order.buyer_id is None:
        return None
    plan = (
        MembershipPlan.objects.select_related("community")
        .filter(sku__in=order.lines.values("sku"))
        .first()
    )
    if plan is None:
        return None  # not a membership order
    line = order.lines.get(sku_id=plan.sku_id)
    now = now or timezone.now()
    _lock_member_plan(plan_id=plan.pk, user_id=order.buyer_id)
    if SubscriptionPeriod.objects.filter(order=order).exists():
        return None  # this payment was already granted
    subscription = (
        Subscription.objects.select_for_update().filter(plan=plan, user_id=order.buyer_id).first()
    )
    current = subscription is not None and selectors.is_current(subscription, now)
    renewing = current and subscription is not None and subscription.status != Status.TRIAL
    if subscription is not None and current and subscription.ends_at is None:
        start = now  # already lifetime: record the payment, nothing to extend
        end = None
    else:
        start = subscription.ends_at if current and subscription and subscription.ends_at else now
        end = period_end(start, plan.period)
    if subscription is None:
        subscription = Subscription(user_id=order.buyer_id, plan=plan, starts_at=now)
    elif not current:
        subscription.starts_at = start
    subscription.status = Status.ACTIVE
    subscription.ends_at = end
    subscription.price = line.unit_price
    subscription.period = plan.period
    subscription.order = order
    subscription.save()
    period = SubscriptionPeriod.objects.create(
        subscription=subscription,
        kind=Kind.RENEWAL if renewing else Kind.PURCHASE,
        order=order,
        period=plan.period,
        price=order.total_amount,
        starts_at=start,
        ends_at=end,
    )
    track(
        "membership_renewed" if renewing else "membership_bought",
        actor=order.buyer,
        community=plan.community_id,
        subject=plan,
        properties={"order": order.pk, "price": str(order.total_amount), "period": plan.period},
    )
    return period


def subscription_revoke(*, order: Order, now: datetime | None = None) -> SubscriptionPeriod | None:
    """Take back the period a refunded order bought. The member loses exactly the time it added:
    the subscription's end, and later periods, move back by its length (a lifetime purchase
    returns to the end it had before). Without time left the subscription is "refunded"."""
    now = now or timezone.now()
    period = (
        SubscriptionPeriod.objects.select_related("subscription")
        .filter(order=order, revoked_at=None)
        .first()
    )
    if period is None:
        return None
    subscription = period.subscription
    _lock_member_plan(plan_id=subscription.plan_id, user_id=subscription.user_id)
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    period.revoked_at = now
    period.save(update_fields=["revoked_at"])
    later = subscription.periods.filter(revoked_at=None, starts_at__gte=period.starts_at).exclude(
        pk=period.pk
    )
    if period.ends_at is None:
        # Lifetime bought: it replaced whatever end there was; the previous period's end returns.
        previous = (
            subscription.periods.filter(revoked_at=None, starts_at__lt=period.starts_at)
            .exclude(pk=period.pk)
            .order_by("-starts_at", "-pk")
            .first()
        )
        subscription.ends_at = previous.ends_at if previous else period.starts_at
    else:
        length = period.ends_at - period.starts_at
        for later_period in later.order_by("starts_at", "pk"):
            later_period.starts_at -= length
            if later_period.ends_at is not None:
                later_period.ends_at -= length
            later_period.save(update_fields=["starts_at", "ends_at"])
        if subscription.ends_at is not None:
            subscription.ends_at -= length
    still_running = subscription.ends_at is None or subscription.ends_at > now
    kinds = set(subscription.periods.filter(revoked_at=None).values_list("kind", flat=True))
    if not still_running or not kinds:
        subscription.status = Status.REFUNDED
    elif kinds == {Kind.TRIAL}:
        subscription.status = Status.TRIAL
    subscription.save(update_fields=["status", "ends_at", "updated_at"])
    track(
        "membership_refunded",
        actor=order.buyer,
        community=order.community_id,
        subject=subscription.plan,
        properties={"order": order.pk},
    )
    return period


# --- Expiry, reminders and monthly coupons (beat tasks) ---------------------------------------


@dataclass(frozen=True)
class ExpiryRun:
    to_grace: int
    expired: int
    reminders: int


def subscriptions_expire(*, now: datetime | None = None) -> ExpiryRun:
    """Move subscriptions past their end to grace, and past their grace to expired; remind
    members 7 days and 1 day before the end and once when it has expired. Each UPDATE re-checks
    its condition on rows a concurrent renewal changed, and each reminder has its own dedupe
    key, so a rerun or an overlapping run changes and sends nothing twice."""
    now = now or timezone.now()
    grace = selectors.grace_period()
    with transaction.atomic():
        to_grace = Subscription.objects.filter(
            status=Status.ACTIVE, ends_at__lte=now, ends_at__gt=now - grace
        ).update(status=Status.GRACE, updated_at=now)
        expired = Subscription.objects.filter(
            Q(status=Status.TRIAL, ends_at__lte=now)
            | Q(status__in=[Status.ACTIVE, Status.GRACE], ends_at__lte=now - grace)
        ).update(status=Status.EXPIRED, updated_at=now)
    reminders = _remind(now=now, grace=grace)
    return ExpiryRun(to_grace=to_grace, expired=expired, reminders=reminders)


def _remind(*, now: datetime, grace: timedelta) -> int:
    due: list[tuple[Subscription, str]] = []
    expiring = (
        Subscription.objects.filter(
            status__in=[Status.ACTIVE, Status.TRIAL],
            ends_at__gt=now,
            ends_at__lte=now + timedelta(days=7),
        )
        .select_related("user", "plan__community")
        .order_by("pk")
    )
    for subscription in expiring:
        ends_at = subscription.ends_at or now
        due.append((subscription, "1d" if ends_at <= now + timedelta(days=1) else "7d"))
    expired = (
        Subscription.objects.filter(
            status=Status.EXPIRED, ends_at__gt=now - grace - timedelta(days=7)
        )
        .select_related("user", "plan__community")
        .order_by("pk")
    )
    due += [(subscription, "expired") for subscription in expired]
    keys = {_reminder_key(subscription, which) for subscription, which in due}
    already = set(
        Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )
    sent = 0
    for subscription, which in due:
        key = _reminder_key(subscription, which)
        if key in already:
            continue
        _reminder(subscription, which=which, key=key)
        sent += 1
    return sent


def _reminder_key(subscription: Subscription, which: str) -> str:
    """One message per subscription, end and kind: a renewal moves the end, starting afresh."""
    end = timezone.localtime(subscription.ends_at) if subscription.ends_at else None
    return f"membership:{subscription.pk}:{end:%Y%m%d%H%M}:{which}"


def _reminder(subscription: Subscription, *, which: str, key: str) -> None:
    user = subscription.user
    end = timezone.localtime(subscription.ends_at) if subscription.ends_at else None
    notify(
        recipient=user,
        template="membership_expired" if which == "expired" else "membership_expiring",
        dedupe_key=key,
        channel=Notification.Channel.SMS if user.phone else Notification.Channel.EMAIL,
        context={
            "plan": subscription.plan.name,
            "community": subscription.plan.community.name,
            "ends_at": f"{end:%Y-%m-%d %H:%M}",
            "days": "1" if which == "1d" else "7",
        },
    )


def member_coupons_issue(*, now: datetime | None = None) -> int:
    """Give each paying member of a plan with a monthly coupon that coupon, once a month."""
    now = now or timezone.now()
    month = timezone.localdate(now).replace(day=1)
    due = (
        Subscription.objects.filter(
            selectors.current_q(now),
            status__in=[Status.ACTIVE, Status.GRACE],
            plan__active=True,
            plan__monthly_coupon__isnull=False,
        )
        .exclude(coupons__month=month)
        .select_related("user", "plan__monthly_coupon")
        .order_by("pk")
    )
    issued = 0
    for subscription in due:
        template = subscription.plan.monthly_coupon
        if template is None:
            continue
        try:
            with transaction.atomic():
                coupon = coupon_grant(template=template, owner=subscription.user)
                MemberCoupon.objects.create(subscription=subscription, month=month, coupon=coupon)
        except (Conflict, IntegrityError):
            continue  # template closed or used up, or another run got there first
        issued += 1
    return issued
