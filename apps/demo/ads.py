"""The demo's ads: 贝护母婴 (the milk-powder brand) runs a CPM campaign in the mothers' group.

Operations approved the creative and offered a chain-page banner in 幸福里宝妈互助群; 陈姐 (the
group's leader) accepted it for a 30 % share. The banner links to her milk-powder chain
(/c/demo-mama/); the brand's staff login (milk) sees the report. Three past days of delivery
are in the event stream (CPM 12 元, CTR about 3 %), one member clicked and ordered (the order
carries the click token and is paid), and the rollup has run. Found by natural keys (advertiser
name, campaign name, chain slug, the order's submission token), so a second load adds nothing.
"""

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.ads.delivery import CLICK, IMPRESSION, SUBJECT_TYPE
from apps.ads.models import Advertiser, Campaign, Creative, Placement
from apps.ads.rollup import ads_rollup
from apps.ads.services import creative_review, placement_accept, placement_offer
from apps.ads.tokens import click_token_issue
from apps.analytics.models import Event
from apps.catalog.models import SKU
from apps.chains.models import Chain, PickupPoint
from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_open, chain_order_place
from apps.communities.models import Community
from apps.orders.models import Order
from apps.payments.services import payment_record_offline

ADVERTISER = "贝护母婴"
CAMPAIGN = "贝护奶粉 · 宝妈群接龙横幅"
MAMA_CHAIN_SLUG = "demo-mama"
AD_ORDER_KEY = "demo-ad-order-1"
# (day offset, billable impressions, clicks): CPM 12 元 and CTR near 3 %, inside the bands.
HISTORY = ((3, 420, 12), (2, 510, 16), (1, 470, 14))


def demo_ads_load(
    *,
    mothers: Community,
    brand_user: User,
    operator: User,
    buyer: User,
    created: Counter[str],
) -> Placement:
    chain = _mama_chain(mothers, created)
    advertiser, made = Advertiser.objects.get_or_create(name=ADVERTISER)
    if made:
        created["advertisers"] += 1
    advertiser.users.add(brand_user)
    campaign = Campaign.objects.filter(advertiser=advertiser, name=CAMPAIGN).first()
    if campaign is None:
        now = timezone.now()
        campaign = Campaign.objects.create(
            advertiser=advertiser,
            name=CAMPAIGN,
            pricing=Campaign.Pricing.CPM,
            price=Decimal("12.00"),
            total_budget=Decimal("3000.00"),
            daily_budget=Decimal("100.00"),
            starts_at=now - timedelta(days=4),
            ends_at=now + timedelta(days=26),
            target_kinds=[Community.Kind.MOTHERS],
            frequency_cap=3,
            pacing=Campaign.Pacing.EVEN,
            status=Campaign.Status.ACTIVE,
        )
        creative = Creative.objects.create(
            campaign=campaign,
            title="贝护奶粉 宝妈群专享：1段两罐装立减30元",
            landing_url=f"/c/{MAMA_CHAIN_SLUG}/",
        )
        creative_review(creative=creative, actor=operator, approve=True)
        placement = placement_offer(
            creative=creative,
            community=mothers,
            slot=Placement.Slot.CHAIN_BANNER,
            actor=operator,
            revenue_share=Decimal("30.00"),
        )
        placement_accept(placement=placement, actor=mothers.owner)
        created["ad campaigns"] += 1
    placement = Placement.objects.get(campaign=campaign, community=mothers)
    if not Event.objects.filter(subject_type=SUBJECT_TYPE, subject_id=placement.pk).exists():
        _history(placement)
        created["ad events"] += 1
    if not Order.objects.filter(submission_token=AD_ORDER_KEY).exists():
        _clicked_order(placement, chain, buyer)
        created["ad orders"] += 1
    ads_rollup()
    return placement


def _mama_chain(mothers: Community, created: Counter[str]) -> Chain:
    chain = Chain.objects.filter(slug=MAMA_CHAIN_SLUG).first()
    if chain is not None:
        return chain
    leader = mothers.owner
    point, _ = PickupPoint.objects.get_or_create(
        community=mothers,
        name="幸福里南门母婴店",
        defaults={"address": "幸福里小区南门 贝贝母婴店", "opening_hours": "每天 9:00-21:00"},
    )
    items = [("MILK-S1-800", "278.00"), ("MILK-S1-800X2", "538.00"), ("MILK-S2-800", "268.00")]
    chain = chain_create(
        leader=leader,
        community=mothers,
        details=ChainDetails(
            title="【宝妈群】贝护奶粉拼单：1段/2段 国行正品",
            description="品牌直供，扫码溯源；周六到货，南门母婴店自提。",
            closes_at=timezone.now() + timedelta(days=10),
        ),
        items=[
            ItemSpec(sku=SKU.objects.get(code=code), group_price=Decimal(price), stock_cap=20)
            for code, price in items
        ],
        pickup_points=[point],
    )
    chain.slug = MAMA_CHAIN_SLUG
    chain.save(update_fields=["slug"])
    created["chains"] += 1
    return chain_open(chain=chain, actor=leader)


def _history(placement: Placement) -> None:
    """Past days' impressions and clicks, as the chain page and the redirect would have written
    them (one viewer sees the banner at most three times a day)."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    properties: dict[str, Any] = {
        "campaign_id": placement.campaign_id,
        "placement_id": placement.pk,
        "billable": True,
    }
    rows = []
    for offset, impressions, clicks in HISTORY:
        day = today - timedelta(days=offset)
        for n in range(impressions):
            viewer = f"demo:{offset}:{n // 2}"  # most members saw it twice that day
            at = day + timedelta(hours=8, seconds=n * 97)
            rows.append(_event(placement, IMPRESSION, viewer, at, properties))
            if n < clicks * 2 and n % 2 == 0:
                rows.append(
                    _event(placement, CLICK, viewer, at + timedelta(seconds=20), properties)
                )
    Event.objects.bulk_create(rows, batch_size=1000)


def _event(
    placement: Placement, name: str, viewer: str, at: datetime, properties: dict[str, Any]
) -> Event:
    return Event(
        name=name,
        occurred_at=at,
        distinct_id=viewer,
        community_id=placement.community_id,
        subject_type=SUBJECT_TYPE,
        subject_id=placement.pk,
        properties=properties,
    )


def _clicked_order(placement: Placement, chain: Chain, buyer: User) -> None:
    """A member saw the banner today, clicked, ordered the two-can pack and paid the leader."""
    viewer = str(buyer.pk)
    now = timezone.now()
    properties: dict[str, Any] = {
        "campaign_id": placement.campaign_id,
        "placement_id": placement.pk,
        "billable": True,
    }
    Event.objects.bulk_create(
        [
            _event(placement, IMPRESSION, viewer, now - timedelta(minutes=3), properties),
            _event(placement, CLICK, viewer, now - timedelta(minutes=2), properties),
        ]
    )
    token = click_token_issue(
        placement_id=placement.pk, campaign_id=placement.campaign_id, distinct_id=viewer
    )
    entry = chain_order_place(
        chain=chain,
        buyer=buyer,
        contact_name=buyer.shown_name,
        contact_phone=buyer.phone or "",
        quantities={chain.items.get(sku__code="MILK-S1-800X2").pk: 1},
        pickup_point=chain.pickup_points.order_by("pk").first(),
        submission_token=AD_ORDER_KEY,
        ad_click_token=token,
    )
    payment_record_offline(order=entry.order, actor=chain.leader, method="wechat")
