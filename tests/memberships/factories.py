"""A community with a membership plan, and members who bought it through real orders."""

from datetime import datetime
from decimal import Decimal

from apps.accounts.models import User
from apps.communities.models import Community
from apps.memberships.models import MembershipPlan, Period, Subscription
from apps.memberships.services import PlanTerms, membership_order_create, plan_create
from apps.orders.models import Order
from apps.payments.services import payment_record_offline
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory


def make_plan(
    *,
    community: Community | None = None,
    period: str = Period.MONTH,
    price: Decimal = Decimal("30.00"),
    trial_days: int = 0,
) -> MembershipPlan:
    seller: Community = community if community is not None else CommunityFactory()
    return plan_create(
        community=seller,
        actor=seller.owner,
        period=period,
        terms=PlanTerms(name="月度会员", price=price, benefits="会员价", trial_days=trial_days),
    )


def buy(plan: MembershipPlan, user: User | None = None) -> Order:
    """Order one period of the plan and have the leader confirm the payment."""
    user = user or UserFactory()
    order = membership_order_create(plan=plan, buyer=user)
    payment_record_offline(order=order, actor=plan.community.owner)
    order.refresh_from_db()
    return order


def subscription_of(plan: MembershipPlan, user: User) -> Subscription:
    return Subscription.objects.get(plan=plan, user=user)


def at(text: str) -> datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.fromisoformat(text))
