"""A running campaign placed in a mothers' group, ready to serve."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone

from apps.accounts.models import User
from apps.ads.models import Advertiser, Campaign, Creative, Placement
from apps.communities.models import Community
from tests.accounts.factories import UserFactory
from tests.communities.factories import CommunityFactory

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.44"


@dataclass
class AdSetup:
    advertiser: Advertiser
    advertiser_user: User
    campaign: Campaign
    creative: Creative
    community: Community
    placement: Placement


def running_campaign(
    *,
    community: Community | None = None,
    slot: str = Placement.Slot.CHAIN_BANNER,
    name: str = "婴幼儿奶粉",
    **campaign_fields: Any,
) -> AdSetup:
    community = community or CommunityFactory(kind=Community.Kind.MOTHERS)
    assert community is not None
    advertiser = Advertiser.objects.create(name=f"{name}品牌{Advertiser.objects.count()}")
    user = UserFactory()
    advertiser.users.add(user)
    now = timezone.now()
    fields: dict[str, Any] = {
        "name": name,
        "pricing": Campaign.Pricing.CPM,
        "price": Decimal("10.00"),
        "total_budget": Decimal("5000.00"),
        "daily_budget": Decimal("500.00"),
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=29),
        "target_kinds": [Community.Kind.MOTHERS],
        "pacing": Campaign.Pacing.ASAP,
        "status": Campaign.Status.ACTIVE,
    }
    fields.update(campaign_fields)
    campaign = Campaign.objects.create(advertiser=advertiser, **fields)
    creative = Creative.objects.create(
        campaign=campaign,
        title="新一代配方奶粉 首单立减",
        landing_url="https://brand.example.com/landing",
        review=Creative.Review.APPROVED,
    )
    placement = Placement.objects.create(
        campaign=campaign,
        creative=creative,
        community=community,
        leader=community.owner,
        slot=slot,
        status=Placement.Status.ACCEPTED,
    )
    return AdSetup(advertiser, user, campaign, creative, community, placement)


def viewer_request(
    *, user: User | None = None, cookie: str = "", agent: str = PHONE_UA
) -> HttpRequest:
    """A GET from a phone; `cookie` is the visitor id (24 hex characters) of an anonymous one."""
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/", HTTP_USER_AGENT=agent)
    if cookie:
        request.COOKIES["tg_vid"] = cookie
    request.user = user or AnonymousUser()
    return request
