"""Buying, extending, trials, grace and expiry, refunds, price changes, reminders and coupons."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from apps.analytics.models import Event
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.memberships.models import (
    MemberCoupon,
    Period,
    Subscription,
    SubscriptionPeriod,
)
from apps.memberships.periods import period_end
from apps.memberships.selectors import member_of_community
from apps.memberships.services import (
    PlanTerms,
    member_coupons_issue,
    membership_order_create,
    plan_update,
    subscription_extend,
    subscription_trial_start,
    subscriptions_expire,
)
from apps.notifications.models import Notification
from apps.orders import events
from apps.orders.models import Order
from apps.orders.services import order_refund
from apps.rewards.services import CouponTerms, coupon_template_create
from tests.accounts.factories import UserFactory
from tests.memberships.factories import buy, make_plan, subscription_of

pytestmark = pytest.mark.django_db

S = Subscription.Status


def test_buying_creates_a_pending_order_at_the_plan_price_and_payment_grants_a_month() -> None:
    plan = make_plan(price=Decimal("30.00"))
    user = UserFactory()

    order = membership_order_create(plan=plan, buyer=user)
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.total_amount == Decimal("30.00")
    assert not Subscription.objects.filter(user=user).exists()

    buy(plan, user)  # the same pending order comes back and is paid
    subscription = subscription_of(plan, user)
    assert subscription.status == S.ACTIVE
    assert subscription.order_id == order.pk
    assert subscription.ends_at == period_end(subscription.starts_at, Period.MONTH)
    assert Order.objects.filter(buyer=user).count() == 1
    assert Event.objects.filter(name="membership_bought", actor=user).count() == 1


def test_a_double_tap_returns_the_pending_order_instead_of_a_second_one() -> None:
    plan = make_plan()
    user = UserFactory()
    first = membership_order_create(plan=plan, buyer=user)
    again = membership_order_create(plan=plan, buyer=user)
    assert again.pk == first.pk


def test_buying_again_while_active_extends_from_the_current_end_not_today() -> None:
    plan = make_plan()
    user = UserFactory()
    buy(plan, user)
    first_end = subscription_of(plan, user).ends_at
    assert first_end is not None

    buy(plan, user)

    subscription = subscription_of(plan, user)
    assert subscription.ends_at == period_end(first_end, Period.MONTH)
    kinds = list(subscription.periods.values_list("kind", flat=True))
    assert kinds == [SubscriptionPeriod.Kind.PURCHASE, SubscriptionPeriod.Kind.RENEWAL]
    assert Event.objects.filter(name="membership_renewed", actor=user).count() == 1


def test_renewing_in_grace_extends_from_the_past_end_and_after_grace_from_today(
    settings: Any,
) -> None:
    settings.MEMBERSHIPS_GRACE_DAYS = 3
    plan = make_plan()
    in_grace, lapsed = UserFactory(), UserFactory()
    buy(plan, in_grace)
    buy(plan, lapsed)
    now = timezone.now()
    two_days_ago, ten_days_ago = now - timedelta(days=2), now - timedelta(days=10)
    Subscription.objects.filter(user=in_grace).update(ends_at=two_days_ago)
    Subscription.objects.filter(user=lapsed).update(ends_at=ten_days_ago)
    subscriptions_expire(now=now)
    assert subscription_of(plan, in_grace).status == S.GRACE
    assert subscription_of(plan, lapsed).status == S.EXPIRED

    buy(plan, in_grace)
    buy(plan, lapsed)

    assert subscription_of(plan, in_grace).ends_at == period_end(two_days_ago, Period.MONTH)
    renewed = subscription_of(plan, lapsed)
    assert renewed.status == S.ACTIVE
    assert renewed.ends_at is not None and renewed.ends_at > now + timedelta(days=27)
    assert renewed.periods.order_by("-pk")[0].kind == SubscriptionPeriod.Kind.PURCHASE


def test_the_same_paid_event_twice_extends_once() -> None:
    plan = make_plan()
    user = UserFactory()
    order = buy(plan, user)
    end = subscription_of(plan, user).ends_at

    events.order_paid.send(sender=Order, order=order, actor=None)
    assert subscription_extend(order=order) is None

    assert subscription_of(plan, user).ends_at == end
    assert SubscriptionPeriod.objects.filter(subscription__user=user).count() == 1


def test_a_trial_is_once_per_member_per_plan() -> None:
    plan = make_plan(trial_days=7)
    user = UserFactory()

    subscription = subscription_trial_start(plan=plan, user=user)
    assert subscription.status == S.TRIAL
    assert Event.objects.filter(name="membership_trial_started", actor=user).count() == 1

    with pytest.raises(Conflict):
        subscription_trial_start(plan=plan, user=user)
    # Even after it ran out, and even past the service, the database refuses a second trial.
    Subscription.objects.filter(pk=subscription.pk).update(
        status=S.EXPIRED, ends_at=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(Conflict):
        subscription_trial_start(plan=plan, user=user)
    with pytest.raises(IntegrityError):
        SubscriptionPeriod.objects.create(
            subscription=subscription,
            kind=SubscriptionPeriod.Kind.TRIAL,
            period=plan.period,
            price=Decimal("0"),
            starts_at=timezone.now(),
        )


def test_a_plan_without_trial_refuses_one() -> None:
    with pytest.raises(InvalidInput):
        subscription_trial_start(plan=make_plan(trial_days=0), user=UserFactory())


def test_buying_during_a_trial_starts_the_paid_month_at_the_trial_end() -> None:
    plan = make_plan(trial_days=7)
    user = UserFactory()
    trial_end = subscription_trial_start(plan=plan, user=user).ends_at
    assert trial_end is not None

    buy(plan, user)

    subscription = subscription_of(plan, user)
    assert subscription.status == S.ACTIVE
    assert subscription.ends_at == period_end(trial_end, Period.MONTH)


def test_grace_keeps_benefits_and_expiry_ends_them(settings: Any) -> None:
    settings.MEMBERSHIPS_GRACE_DAYS = 3
    plan = make_plan()
    user = UserFactory()
    buy(plan, user)
    now = timezone.now()
    Subscription.objects.filter(user=user).update(ends_at=now - timedelta(days=1))
    # Before the task has run, the dates already decide: a day past the end is grace.
    assert member_of_community(user_id=user.pk, community_id=plan.community_id)

    run = subscriptions_expire(now=now)
    assert run.to_grace == 1
    assert subscription_of(plan, user).status == S.GRACE
    assert member_of_community(user_id=user.pk, community_id=plan.community_id)

    Subscription.objects.filter(user=user).update(ends_at=now - timedelta(days=3, seconds=1))
    # Past grace but not yet marked: still no benefit.
    assert not member_of_community(user_id=user.pk, community_id=plan.community_id)
    run = subscriptions_expire(now=now)
    assert run.expired == 1
    assert subscription_of(plan, user).status == S.EXPIRED
    assert not member_of_community(user_id=user.pk, community_id=plan.community_id)


def test_a_full_refund_revokes_the_period_it_bought() -> None:
    plan = make_plan()
    user = UserFactory()
    order = buy(plan, user)

    order_refund(order=order, actor=plan.community.owner, reason="不想要了")

    subscription = subscription_of(plan, user)
    assert subscription.status == S.REFUNDED
    assert subscription.periods.get().revoked_at is not None
    assert not member_of_community(user_id=user.pk, community_id=plan.community_id)


def test_refunding_a_renewal_moves_the_end_back_and_keeps_the_first_month() -> None:
    plan = make_plan()
    user = UserFactory()
    buy(plan, user)
    first_end = subscription_of(plan, user).ends_at
    renewal = buy(plan, user)

    order_refund(order=renewal, actor=plan.community.owner, reason="多买了")

    subscription = subscription_of(plan, user)
    assert subscription.status == S.ACTIVE
    assert subscription.ends_at == first_end
    assert member_of_community(user_id=user.pk, community_id=plan.community_id)


def test_a_price_change_keeps_existing_terms_and_charges_newcomers_the_new_price() -> None:
    plan = make_plan(price=Decimal("30.00"))
    member, newcomer = UserFactory(), UserFactory()
    buy(plan, member)
    end = subscription_of(plan, member).ends_at

    plan_update(
        plan=plan,
        actor=plan.community.owner,
        terms=PlanTerms(name="月度会员", price=Decimal("45.00")),
    )

    subscription = subscription_of(plan, member)
    assert (subscription.price, subscription.ends_at) == (Decimal("30.00"), end)
    plan.sku.refresh_from_db()
    assert plan.sku.price == Decimal("45.00")
    assert membership_order_create(plan=plan, buyer=member).total_amount == Decimal("30.00")
    assert membership_order_create(plan=plan, buyer=newcomer).total_amount == Decimal("45.00")


def test_only_a_manager_manages_plans_and_nothing_changes_otherwise() -> None:
    plan = make_plan(price=Decimal("30.00"))
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        plan_update(plan=plan, actor=stranger, terms=PlanTerms(name="x", price=Decimal("1")))
    plan.refresh_from_db()
    assert plan.price == Decimal("30.00")


def test_a_lifetime_member_cannot_buy_again() -> None:
    plan = make_plan(period=Period.LIFETIME, price=Decimal("299.00"))
    user = UserFactory()
    buy(plan, user)
    assert subscription_of(plan, user).ends_at is None
    with pytest.raises(Conflict):
        membership_order_create(plan=plan, buyer=user)


def test_reminders_go_once_at_seven_days_one_day_and_expiry(settings: Any) -> None:
    settings.MEMBERSHIPS_GRACE_DAYS = 3
    plan = make_plan()
    user = UserFactory()
    buy(plan, user)
    now = timezone.now()
    Subscription.objects.filter(user=user).update(ends_at=now + timedelta(days=6))

    subscriptions_expire(now=now)
    subscriptions_expire(now=now + timedelta(hours=1))
    assert Notification.objects.filter(recipient=user, dedupe_key__endswith=":7d").count() == 1

    subscriptions_expire(now=now + timedelta(days=5, hours=12))
    subscriptions_expire(now=now + timedelta(days=5, hours=13))
    assert Notification.objects.filter(recipient=user, dedupe_key__endswith=":1d").count() == 1

    subscriptions_expire(now=now + timedelta(days=10))
    subscriptions_expire(now=now + timedelta(days=11))
    assert Notification.objects.filter(recipient=user, dedupe_key__endswith=":expired").count() == 1
    assert Notification.objects.filter(recipient=user).count() == 3
    assert subscription_of(plan, user).status == S.EXPIRED


def test_monthly_member_coupons_go_to_paying_members_once_a_month() -> None:
    plan = make_plan()
    owner = plan.community.owner
    template = coupon_template_create(
        community=plan.community,
        actor=owner,
        terms=CouponTerms(
            name="会员月券",
            discount_kind="fixed",
            amount_off=Decimal("5.00"),
            valid_from=timezone.now() - timedelta(days=1),
            valid_until=timezone.now() + timedelta(days=365),
            total_quantity=100,
        ),
    )
    plan_update(
        plan=plan,
        actor=owner,
        terms=PlanTerms(name=plan.name, price=plan.price, monthly_coupon=template),
    )
    member, trial_user = UserFactory(), UserFactory()
    buy(plan, member)
    plan_update(
        plan=plan,
        actor=owner,
        terms=PlanTerms(name=plan.name, price=plan.price, monthly_coupon=template, trial_days=7),
    )
    subscription_trial_start(plan=plan, user=trial_user)

    assert member_coupons_issue() == 1
    assert member_coupons_issue() == 0
    assert MemberCoupon.objects.get().subscription.user == member
    next_month = timezone.now() + timedelta(days=32)
    Subscription.objects.filter(user=member).update(ends_at=next_month + timedelta(days=30))
    assert member_coupons_issue(now=next_month) == 1
    assert MemberCoupon.objects.count() == 2


def test_the_community_playbook_marks_paid_membership_done_once_a_plan_is_on_sale() -> None:
    from apps.communities.lifecycle import StepState, community_lifecycle
    from tests.communities.factories import CommunityFactory

    community = CommunityFactory()

    def state() -> str:
        lifecycle = community_lifecycle(community)
        steps = {s.step.key: s.state for plan in lifecycle.plans for s in plan.steps}
        return steps["paid_membership"]

    assert state() == StepState.TODO
    make_plan(community=community)
    assert state() == StepState.DONE
