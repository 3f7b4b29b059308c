"""Temporary groups dissolve at their end; later, members only there are anonymised."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.chains.models import Chain
from apps.communities.models import Community, Membership
from apps.communities.temporary import communities_anonymise_due, communities_close_ended
from apps.orders.models import Order
from tests.chains.factories import open_chain
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db


def test_at_the_end_the_group_dissolves_and_its_open_chains_close() -> None:
    setup = open_chain()
    Community.objects.filter(pk=setup.community.pk).update(
        ends_at=timezone.now() - timedelta(minutes=1)
    )
    later = CommunityFactory(ends_at=timezone.now() + timedelta(days=1))

    assert communities_close_ended() == 1

    setup.community.refresh_from_db()
    setup.chain.refresh_from_db()
    later.refresh_from_db()
    assert setup.community.dissolved_at is not None
    assert setup.chain.status == Chain.Status.CLOSED
    assert later.dissolved_at is None


def test_members_only_there_are_anonymised_after_the_set_days(settings: object) -> None:
    settings.COMMUNITIES_ANONYMISE_AFTER_DAYS = 7  # type: ignore[attr-defined]
    temporary = CommunityFactory(ends_at=timezone.now() + timedelta(days=1))
    only_here = member_of(temporary, phone="13700000001", wechat_openid="openid-1")
    also_elsewhere = member_of(temporary, phone="13700000002")
    elsewhere = CommunityFactory()
    Membership.objects.create(community=elsewhere, user=also_elsewhere)
    orders = {
        user.pk: Order.objects.create(
            community=temporary,
            buyer=user,
            contact_name="张三",
            contact_phone=user.phone,
            note="3号楼502",
            total_amount=10,
            subtotal_amount=10,
        )
        for user in (only_here, also_elsewhere)
    }
    Community.objects.filter(pk=temporary.pk).update(ends_at=timezone.now())
    communities_close_ended()

    assert communities_anonymise_due() == 0  # not yet seven days
    Community.objects.filter(pk=temporary.pk).update(
        dissolved_at=timezone.now() - timedelta(days=8)
    )
    assert communities_anonymise_due() == 1
    assert communities_anonymise_due() == 0  # once

    only_here.refresh_from_db()
    also_elsewhere.refresh_from_db()
    assert only_here.phone is None and only_here.wechat_openid is None
    assert only_here.display_name == "已注销用户" and not only_here.is_active
    assert not only_here.has_usable_password()
    assert also_elsewhere.phone == "13700000002"
    masked = Order.objects.get(pk=orders[only_here.pk].pk)
    kept = Order.objects.get(pk=orders[also_elsewhere.pk].pk)
    assert (masked.contact_name, masked.contact_phone, masked.note) == ("已匿名", "", "")
    assert masked.total_amount == 10
    assert kept.contact_phone == "13700000002"
    temporary.owner.refresh_from_db()
    assert temporary.owner.phone is not None and temporary.owner.is_active
