"""Check-ins and coupons under real concurrency, on PostgreSQL, with real threads."""

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from apps.chains.services import chain_order_place
from apps.core.errors import DomainError
from apps.orders.models import Order
from apps.rewards.models import CheckIn, Coupon, PointsEntry
from apps.rewards.services import check_in_record, coupon_issue
from tests.chains.factories import open_chain
from tests.communities.factories import CommunityFactory
from tests.rewards.factories import join, make_template

pytestmark = pytest.mark.django_db(transaction=True)


def race(count: int, work: Callable[[int], object]) -> Counter[str]:
    """Run work(i) for each i on its own thread, all released together by a barrier."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            try:
                work(index)
                outcome = "ok"
            except DomainError as error:
                outcome = error.code
            with lock:
                outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return outcomes


def test_ten_simultaneous_check_ins_make_one() -> None:
    # Given a member
    community = CommunityFactory()
    user = join(community)

    # When ten taps arrive at once
    outcomes = race(10, lambda i: check_in_record(community=community, user=user))

    # Then all succeed, one check-in and one ledger row exist
    assert outcomes["ok"] == 10
    assert CheckIn.objects.count() == 1
    assert PointsEntry.objects.filter(user=user).count() == 1


def test_two_orders_racing_with_one_coupon_only_one_gets_it() -> None:
    # Given a member holding one coupon, on an open chain
    setup = open_chain(price=Decimal("30.00"))
    buyer = join(setup.community)
    template = make_template(setup.community, min_spend=Decimal("0"))
    coupon = coupon_issue(template=template, owner=buyer, actor=setup.leader)

    # When two orders (different contact phones, so not serialised per buyer) use it at once
    outcomes = race(
        2,
        lambda i: chain_order_place(
            chain=setup.chain,
            buyer=buyer,
            contact_name="王小明",
            contact_phone=f"1380000000{i}",
            quantities={setup.items[0].pk: 2},
            pickup_point=setup.pickup_points[0],
            submission_token=f"race-{i}",
            coupon_code=coupon.code,
        ),
    )

    # Then exactly one order is placed with the discount; the other is refused and left no order
    assert outcomes == Counter({"ok": 1, "coupon_used": 1})
    order = Order.objects.get()
    assert order.discount_amount == Decimal("10.00")
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == (Coupon.Status.USED, order.pk)
