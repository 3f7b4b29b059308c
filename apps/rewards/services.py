"""Rewards writes: check-ins, the points ledger, coupons and the welcome gift.

The points ledger only ever grows: earning, spending and expiry insert rows, nothing updates or
deletes one. Writes that read a member's balance first (spending, expiry) and check-ins hold the
member's advisory lock for the community, so they serialise per member without locking anything
else. A coupon row is locked with select_for_update while it is redeemed.

Inside chain_order_place the coupon row is locked in the order apps/chains/ordering.py states
for every chain transaction (the buyer's advisory lock → the coupon row → the chain row → SKU
rows → chain item rows). Cancelling an order releases its coupon after the SKU rows; the two
never wait on each other because only an available coupon is locked for long by a placement, and
cancellation only touches a used one.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.communities.models import Community, Membership
from apps.communities.selectors import communities_managed_by, is_active_member
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.core.locks import LockSpace, advisory_lock
from apps.core.money import money
from apps.orders.models import Order
from apps.rewards.models import (
    CheckIn,
    Coupon,
    CouponTemplate,
    PointsEntry,
    WelcomeGift,
    WelcomeGiftGrant,
)
from apps.rewards.rules import check_in_day, check_in_points, coupon_discount, months_before

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud in a group chat
CODE_LENGTH = 10
Kind = PointsEntry.Kind
Reason = PointsEntry.Reason


def _require_manager(*, community: Community, user: User) -> None:
    if not communities_managed_by(user).filter(pk=community.pk).exists():
        raise PermissionDenied(_("只有群主和管理员可以管理群福利"))


def _lock_member(*, community_id: int, user_id: int) -> None:
    """Serialise one member's points and check-ins in one community until the transaction ends."""
    advisory_lock(LockSpace.REWARDS_MEMBER, f"{community_id}:{user_id}")


def _book(
    *, community_id: int, user_id: int, kind: str, reason: str, points: int, source_key: str
) -> PointsEntry:
    return PointsEntry.objects.create(
        community_id=community_id,
        user_id=user_id,
        kind=kind,
        reason=reason,
        points=points,
        source_key=source_key,
    )


def _balance(*, community_id: int, user_id: int) -> int:
    total = PointsEntry.objects.filter(community_id=community_id, user_id=user_id).aggregate(
        total=Sum("points", default=0)
    )["total"]
    return int(total)


# --- Check-in --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInResult:
    check_in: CheckIn
    created: bool  # False: the member had already checked in today (a double tap)


@transaction.atomic
def check_in_record(
    *, community: Community, user: User, now: datetime | None = None
) -> CheckInResult:
    """Check a member in for today (Asia/Shanghai) and book the day's points, once a day."""
    if not is_active_member(user=user, community=community):
        raise PermissionDenied(_("加入这个群后才能打卡"))
    day = check_in_day(now or timezone.now())
    _lock_member(community_id=community.pk, user_id=user.pk)
    recent = {
        c.day: c
        for c in CheckIn.objects.filter(
            community=community, user=user, day__in=[day, day - timedelta(days=1)]
        )
    }
    if day in recent:
        return CheckInResult(check_in=recent[day], created=False)
    yesterday = recent.get(day - timedelta(days=1))
    streak = yesterday.streak + 1 if yesterday else 1
    check_in = CheckIn.objects.create(
        community=community, user=user, day=day, streak=streak, points=check_in_points(streak)
    )
    _book(
        community_id=community.pk,
        user_id=user.pk,
        kind=Kind.EARNED,
        reason=Reason.CHECK_IN,
        points=check_in.points,
        source_key=f"checkin:{check_in.pk}",
    )
    return CheckInResult(check_in=check_in, created=True)


# --- Points expiry ---------------------------------------------------------------------------


def points_expire(*, now: datetime | None = None) -> int:
    """Expire points earned before the cutoff (REWARDS_POINTS_EXPIRE_MONTHS ago) that have not been
    spent or expired yet, first in first out: whatever was spent or expired so far is taken to
    have used the oldest points. Safe to run again: a second run finds nothing left to expire.
    Returns the number of expiry rows inserted."""
    now = now or timezone.now()
    cutoff = months_before(now, settings.REWARDS_POINTS_EXPIRE_MONTHS)
    due = (
        PointsEntry.objects.values("community_id", "user_id")
        .annotate(
            old=Sum("points", filter=Q(kind=Kind.EARNED, created_at__lt=cutoff), default=0),
            used=Sum("points", filter=~Q(kind=Kind.EARNED), default=0),
        )
        .filter(old__gt=-F("used"))
        .order_by("community_id", "user_id")
    )
    inserted = 0
    for row in list(due):
        with transaction.atomic():
            if _expire_member(
                community_id=row["community_id"], user_id=row["user_id"], cutoff=cutoff
            ):
                inserted += 1
    return inserted


def _expire_member(*, community_id: int, user_id: int, cutoff: datetime) -> bool:
    _lock_member(community_id=community_id, user_id=user_id)
    sums = PointsEntry.objects.filter(community_id=community_id, user_id=user_id).aggregate(
        old=Sum("points", filter=Q(kind=Kind.EARNED, created_at__lt=cutoff), default=0),
        used=Sum("points", filter=~Q(kind=Kind.EARNED), default=0),
    )
    left = int(sums["old"]) + int(sums["used"])  # `used` is negative
    if left <= 0:
        return False
    _book(
        community_id=community_id,
        user_id=user_id,
        kind=Kind.EXPIRED,
        reason=Reason.EXPIRY,
        points=-left,
        source_key=f"expire:{community_id}:{user_id}:{cutoff.isoformat()}",
    )
    return True


# --- Coupon templates and issuing ------------------------------------------------------------


@dataclass(frozen=True)
class CouponTerms:
    name: str
    discount_kind: str
    valid_from: datetime
    valid_until: datetime
    total_quantity: int
    amount_off: Decimal | None = None
    percent_off: int | None = None
    min_spend: Decimal = Decimal("0.00")
    valid_days: int | None = None
    points_price: int | None = None


def coupon_template_create(
    *, community: Community, actor: User, terms: CouponTerms
) -> CouponTemplate:
    _require_manager(community=community, user=actor)
    _validate_terms(terms)
    fixed = terms.discount_kind == CouponTemplate.DiscountKind.FIXED
    return CouponTemplate.objects.create(
        community=community,
        name=terms.name.strip(),
        discount_kind=terms.discount_kind,
        amount_off=money(terms.amount_off) if fixed and terms.amount_off is not None else None,
        percent_off=None if fixed else terms.percent_off,
        min_spend=money(terms.min_spend),
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        valid_days=terms.valid_days,
        total_quantity=terms.total_quantity,
        points_price=terms.points_price,
        created_by=actor,
    )


def _validate_terms(terms: CouponTerms) -> None:
    if not terms.name.strip():
        raise InvalidInput(_("请填写优惠券名称"), field="name")
    if terms.discount_kind == CouponTemplate.DiscountKind.FIXED:
        if terms.amount_off is None or terms.amount_off <= 0:
            raise InvalidInput(_("减免金额必须大于0"), field="amount_off")
    elif terms.discount_kind == CouponTemplate.DiscountKind.PERCENT:
        if terms.percent_off is None or not 1 <= terms.percent_off <= 99:
            raise InvalidInput(_("折扣百分比必须在1到99之间"), field="percent_off")
    else:
        raise InvalidInput(_("请选择优惠方式"), field="discount_kind")
    if terms.min_spend < 0:
        raise InvalidInput(_("最低消费不能为负"), field="min_spend")
    if terms.valid_until <= terms.valid_from:
        raise InvalidInput(_("截止时间必须晚于生效时间"), field="valid_until")
    if terms.valid_until <= timezone.now():
        raise InvalidInput(_("截止时间必须在未来"), field="valid_until")
    if terms.total_quantity <= 0:
        raise InvalidInput(_("发放总量必须大于0"), field="total_quantity")
    if terms.valid_days is not None and terms.valid_days <= 0:
        raise InvalidInput(_("有效天数必须大于0"), field="valid_days")
    if terms.points_price is not None and terms.points_price <= 0:
        raise InvalidInput(_("兑换积分必须大于0"), field="points_price")


@transaction.atomic
def coupon_issue(*, template: CouponTemplate, owner: User, actor: User) -> Coupon:
    """A leader gives a member of the community one coupon from a template."""
    community = template.community
    _require_manager(community=community, user=actor)
    if not is_active_member(user=owner, community=community):
        raise InvalidInput(_("只能发给本群成员"), field="owner")
    return _coupon_take(template=template, owner=owner, issued_by=actor)


def coupon_grant(*, template: CouponTemplate, owner: User) -> Coupon:
    """A coupon the system gives as a benefit (a paid member's monthly coupon): no leader acts, so
    no manager check; the caller decides who is entitled. Conflict when the template is closed or
    exhausted."""
    return _coupon_take(template=template, owner=owner, issued_by=None)


@transaction.atomic
def coupon_exchange_points(*, template: CouponTemplate, user: User) -> Coupon:
    """A member spends points on a coupon the community offers for points (积分兑换)."""
    community_id = template.community_id
    if template.points_price is None:
        raise InvalidInput(_("这张优惠券不能用积分兑换"), field="template")
    if not Membership.objects.filter(community_id=community_id, user=user, left_at=None).exists():
        raise PermissionDenied(_("加入这个群后才能兑换"))
    _lock_member(community_id=community_id, user_id=user.pk)
    balance = _balance(community_id=community_id, user_id=user.pk)
    if balance < template.points_price:
        raise Conflict(
            _("积分不足：需要 %(need)s，当前 %(have)s")
            % {"need": template.points_price, "have": balance},
            code="points_insufficient",
        )
    coupon = _coupon_take(template=template, owner=user, issued_by=None)
    _book(
        community_id=community_id,
        user_id=user.pk,
        kind=Kind.SPENT,
        reason=Reason.COUPON_EXCHANGE,
        points=-template.points_price,
        source_key=f"exchange:{coupon.pk}",
    )
    return coupon


def _coupon_take(*, template: CouponTemplate, owner: User, issued_by: User | None) -> Coupon:
    """Take one from the template's quantity (a conditional UPDATE, so it never oversells) and
    make the coupon."""
    now = timezone.now()
    taken = CouponTemplate.objects.filter(
        pk=template.pk, active=True, valid_until__gt=now, issued_count__lt=F("total_quantity")
    ).update(issued_count=F("issued_count") + 1)
    if not taken:
        current = CouponTemplate.objects.get(pk=template.pk)
        if not current.active or current.valid_until <= now:
            raise Conflict(_("这种优惠券已停止发放"), code="coupon_template_closed")
        raise Conflict(_("这种优惠券已经发完了"), code="coupon_template_exhausted")
    expires_at = template.valid_until
    if template.valid_days:
        expires_at = min(expires_at, now + timedelta(days=template.valid_days))
    return Coupon.objects.create(
        template=template,
        community_id=template.community_id,
        code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
        owner=owner,
        phone=owner.phone or "",
        valid_from=template.valid_from,
        expires_at=expires_at,
        issued_by=issued_by,
    )


# --- Redeeming on an order -------------------------------------------------------------------


@dataclass(frozen=True)
class CouponRedemption:
    coupon: Coupon
    discount: Decimal


def coupon_redeem(
    *,
    code: str,
    community: Community,
    buyer: User | None,
    contact_phone: str,
    subtotal: Decimal,
    now: datetime | None = None,
) -> CouponRedemption:
    """Lock a coupon for an order being placed and work out its discount. Call inside the
    order's transaction, then `coupon_use` once the order exists; the row lock keeps a second
    order from using the same coupon meanwhile. `subtotal` is the server's, never the client's."""
    now = now or timezone.now()
    try:
        coupon = (
            Coupon.objects.select_for_update(of=("self",))
            .select_related("template")
            .get(code=code.strip().upper())
        )
    except Coupon.DoesNotExist as exc:
        raise InvalidInput(
            _("优惠券不存在，请检查券码"), code="coupon_not_found", field="coupon_code"
        ) from exc
    owned = (buyer is not None and coupon.owner_id == buyer.pk) or (
        bool(coupon.phone) and coupon.phone == contact_phone
    )
    if not owned:
        raise PermissionDenied(
            _("这张优惠券不属于你"), code="coupon_not_yours", field="coupon_code"
        )
    if coupon.community_id != community.pk:
        raise InvalidInput(
            _("这张优惠券不能在这个群使用"), code="coupon_wrong_community", field="coupon_code"
        )
    if coupon.status == Coupon.Status.USED:
        raise Conflict(_("这张优惠券已经用过了"), code="coupon_used", field="coupon_code")
    if coupon.status == Coupon.Status.EXPIRED or coupon.expires_at <= now:
        raise Conflict(_("这张优惠券已过期"), code="coupon_expired", field="coupon_code")
    if coupon.valid_from > now:
        raise Conflict(
            _("这张优惠券还没到使用时间"), code="coupon_not_started", field="coupon_code"
        )
    template = coupon.template
    if subtotal < template.min_spend:
        raise InvalidInput(
            _("满 ¥%(min)s 才能使用这张优惠券") % {"min": template.min_spend},
            code="coupon_min_spend",
            field="coupon_code",
        )
    return CouponRedemption(
        coupon=coupon, discount=coupon_discount(template=template, subtotal=subtotal)
    )


def coupon_use(*, redemption: CouponRedemption, order: Order) -> Coupon:
    """Mark a redeemed coupon used by the order it went on (same transaction as coupon_redeem)."""
    coupon = redemption.coupon
    coupon.status = Coupon.Status.USED
    coupon.order = order
    coupon.used_at = timezone.now()
    coupon.save(update_fields=["status", "order", "used_at"])
    return coupon


def coupon_release(*, order: Order) -> int:
    """An order cancelled before payment gives its coupon back. A refund does not: the member
    got the discount on goods they paid for, and the refund already returns only the paid share."""
    if not order.coupon_code:
        return 0
    return Coupon.objects.filter(order=order, status=Coupon.Status.USED).update(
        status=Coupon.Status.AVAILABLE, order=None, used_at=None
    )


def coupons_expire(*, now: datetime | None = None) -> int:
    """Mark coupons past their end as expired (the beat task); used ones stay used."""
    return Coupon.objects.filter(
        status=Coupon.Status.AVAILABLE, expires_at__lte=now or timezone.now()
    ).update(status=Coupon.Status.EXPIRED)


# --- Welcome gift ----------------------------------------------------------------------------


def welcome_gift_set(
    *,
    community: Community,
    actor: User,
    coupon_template: CouponTemplate | None,
    points: int,
) -> WelcomeGift:
    _require_manager(community=community, user=actor)
    if points < 0:
        raise InvalidInput(_("积分不能为负"), field="points")
    if coupon_template is not None and coupon_template.community_id != community.pk:
        raise NotFound(_("优惠券模板不存在"))
    gift, _created = WelcomeGift.objects.update_or_create(
        community=community,
        defaults={"coupon_template": coupon_template, "points": points, "updated_by": actor},
    )
    return gift


@transaction.atomic
def welcome_gift_give(*, membership: Membership) -> WelcomeGiftGrant | None:
    """Give a new member the community's welcome gift, once per person ever (the grant's unique
    key), whatever the number of joins or signals. A coupon the template can no longer issue is
    left out; the points are still given."""
    gift = (
        WelcomeGift.objects.select_related("coupon_template")
        .filter(community_id=membership.community_id)
        .first()
    )
    if gift is None or not gift.is_set:
        return None
    grant, created = WelcomeGiftGrant.objects.get_or_create(
        community_id=membership.community_id, user_id=membership.user_id
    )
    if not created:
        return None
    if gift.points:
        _book(
            community_id=membership.community_id,
            user_id=membership.user_id,
            kind=Kind.EARNED,
            reason=Reason.WELCOME_GIFT,
            points=gift.points,
            source_key=f"welcome:{grant.pk}",
        )
        grant.points = gift.points
    if gift.coupon_template is not None:
        try:
            with transaction.atomic():
                grant.coupon = _coupon_take(
                    template=gift.coupon_template, owner=membership.user, issued_by=None
                )
        except Conflict:
            grant.coupon = None
    grant.save(update_fields=["points", "coupon"])
    return grant
