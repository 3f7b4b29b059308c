"""Members who joined through the service (so the welcome gift fires) and coupon templates."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.communities.models import Community
from apps.communities.services import community_member_add
from apps.rewards.models import CouponTemplate
from apps.rewards.services import CouponTerms, coupon_template_create
from tests.accounts.factories import UserFactory


def join(community: Community, user: User | None = None) -> User:
    user = user or UserFactory()
    community_member_add(community=community, user=user)
    return user


def make_template(community: Community, **overrides: Any) -> CouponTemplate:
    now = timezone.now()
    terms: dict[str, Any] = {
        "name": "满50减10",
        "discount_kind": CouponTemplate.DiscountKind.FIXED,
        "amount_off": Decimal("10.00"),
        "min_spend": Decimal("50.00"),
        "valid_from": now - timedelta(hours=1),
        "valid_until": now + timedelta(days=30),
        "total_quantity": 100,
    }
    terms.update(overrides)
    return coupon_template_create(
        community=community, actor=community.owner, terms=CouponTerms(**terms)
    )
