"""The demo's reminders: a chain in the group-buy group that closes in about 90 minutes, opened
by five members who have not ordered yet. Loading queues its "closing soon" messages through the
same service beat runs every five minutes (chains.remind_closing_soon), so the worker started by
`quickstart` prints them at once (console SMS backend); the next beats print nothing more — one
reminder per member and chain, ever.

Found by its title while open; once it has closed, the next load opens a fresh one.
"""

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.analytics.tracking import track
from apps.chains.models import Chain, PickupPoint
from apps.chains.reminders import chains_remind_closing_soon
from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_open
from apps.communities.models import Community, Membership

TITLE = "【幸福里】今晚截单：现烤全麦面包"
CLOSES_IN = timedelta(minutes=90)
VIEWERS = 5


def demo_reminders_load(
    *,
    community: Community,
    leader: User,
    like: Chain,
    points: list[PickupPoint],
    viewers: list[User],
    created: Counter[str],
) -> Chain:
    chain = Chain.objects.filter(community=community, title=TITLE, status=Chain.Status.OPEN).first()
    if chain is None or chain.closes_at <= timezone.now():
        item = like.items.select_related("sku").order_by("position", "pk").first()
        if item is None:
            raise ValueError("the demo's open chain has no items")
        chain = chain_create(
            leader=leader,
            community=community,
            details=ChainDetails(
                title=TITLE,
                description="每天现烤，限量供应，今晚8点截单，明天上午到自提点。",
                closes_at=timezone.now() + CLOSES_IN,
            ),
            items=[
                ItemSpec(
                    sku=item.sku, group_price=item.group_price, stock_cap=30, per_person_limit=2
                )
            ],
            pickup_points=points,
        )
        chain = chain_open(chain=chain, actor=leader)
        created["chains"] += 1
        # Five of the candidates still in the group (the analytics demo has some members leave).
        staying = set(
            Membership.objects.filter(
                community=community, left_at=None, user__in=viewers
            ).values_list("user_id", flat=True)
        )
        for viewer in [user for user in viewers if user.pk in staying][:VIEWERS]:
            track(
                "chain_viewed",
                actor=viewer,
                community=community.pk,
                subject=chain,
                distinct_id=f"demo-{viewer.pk}",
            )
    queued = chains_remind_closing_soon()
    if queued:
        created["reminders"] += queued
    return chain
