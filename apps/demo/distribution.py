"""The demo's distribution: a member of the group-buy community is an approved distributor with
a fixed referral code, a default commission rule pays 10 % at level 1 and 3 % at level 2, and one
order came in through the distributor's link, was paid and then partly refunded — so the
commission shows pending and partly reversed. Found by natural keys (the code, the rule name and
the order's submission token), created through the services."""

from collections import Counter
from decimal import Decimal

from apps.accounts.models import User
from apps.chains.models import Chain
from apps.chains.services import chain_order_place
from apps.communities.models import Community
from apps.distribution.models import CommissionRule, Distributor
from apps.distribution.services import distributor_apply, distributor_approve
from apps.orders.models import Order
from apps.orders.services import order_refund
from apps.payments.services import payment_record_offline

DEMO_REFERRAL_CODE = "DEMO88"
DEMO_RULE = "默认分销佣金"
DEMO_ORDER_KEY = "demo-distribution-1"
DEMO_ITEM_CODE = "VEG-COMBO-5"


def demo_distribution_load(
    *,
    community: Community,
    chain: Chain,
    leader: User,
    distributor_user: User,
    buyer: User,
    created: Counter[str],
) -> Distributor:
    if not CommissionRule.objects.filter(name=DEMO_RULE).exists():
        CommissionRule.objects.create(
            name=DEMO_RULE,
            scope=CommissionRule.Scope.DEFAULT,
            level1_value=Decimal("10"),
            level2_value=Decimal("3"),
        )
        created["commission rules"] += 1
    distributor = Distributor.objects.filter(code=DEMO_REFERRAL_CODE).first()
    if distributor is None:
        distributor = distributor_apply(user=distributor_user, community=community, note="宝妈")
        Distributor.objects.filter(pk=distributor.pk).update(code=DEMO_REFERRAL_CODE)
        distributor.refresh_from_db()
        distributor = distributor_approve(distributor=distributor, actor=leader)
        created["distributors"] += 1
    if not Order.objects.filter(submission_token=DEMO_ORDER_KEY).exists():
        item = chain.items.get(sku__code=DEMO_ITEM_CODE)
        entry = chain_order_place(
            chain=chain,
            buyer=buyer,
            contact_name=buyer.shown_name,
            contact_phone=buyer.phone or "",
            quantities={item.pk: 3},  # 3 × 39.90: within 50–200 元
            pickup_point=chain.pickup_points.order_by("pk").first(),
            submission_token=DEMO_ORDER_KEY,
            referral_code=DEMO_REFERRAL_CODE,
        )
        order = payment_record_offline(order=entry.order, actor=leader, method="wechat").order
        line = order.lines.get()
        order_refund(order=order, actor=leader, reason="一份压坏了", quantities={line.pk: 1})
        created["distribution orders"] += 1
    return distributor
