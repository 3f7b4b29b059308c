"""Stock and numbers under real concurrency, on PostgreSQL, with real threads."""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from apps.catalog.models import SKU
from apps.chains.models import ChainEntry, ChainItem
from apps.chains.services import chain_order_place
from apps.core.errors import DomainError
from apps.orders.models import Order
from tests.chains.factories import open_chain

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(count: int, work: Callable[[int], object], workers: int = 20) -> Counter[str]:
    """Run work(i) for i in range(count) on `workers` threads released together by a barrier.

    Returns how the attempts ended: "ok" or the DomainError code.
    """
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(workers)
    jobs = iter(range(count))

    def worker() -> None:
        try:
            barrier.wait()
            while True:
                with lock:
                    index = next(jobs, None)
                if index is None:
                    return
                try:
                    work(index)
                    outcome = "ok"
                except DomainError as error:
                    outcome = error.code
                with lock:
                    outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    close_old_connections()
    return outcomes


def test_200_concurrent_submissions_on_a_cap_of_50_make_exactly_50_orders() -> None:
    # Given an item with a chain cap of 50 and 500 units of SKU stock
    setup = open_chain(caps=(50,), stock=500)
    item, sku = setup.items[0], setup.skus[0]

    # When 200 members submit at once, one unit each
    outcomes = run_concurrently(
        200,
        lambda i: chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"买家{i}",
            contact_phone=f"138{i:08d}",
            quantities={item.pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"token-{i}",
        ),
    )

    # Then exactly 50 orders exist, numbered 1–50, the cap is spent and the SKU is 50 lower
    assert outcomes["ok"] == 50
    assert outcomes["sold_out"] == 150
    assert Order.objects.count() == 50
    sequences = sorted(ChainEntry.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 51))
    assert ChainItem.objects.get(pk=item.pk).remaining == 0
    assert SKU.objects.get(pk=sku.pk).stock == 450


def test_sku_stock_holds_when_it_is_smaller_than_the_chain_cap() -> None:
    # Given a cap of 50 but only 10 units in the merchant's stock (stock sold elsewhere later)
    setup = open_chain(caps=(50,), stock=50)
    SKU.objects.filter(pk=setup.skus[0].pk).update(stock=10)

    outcomes = run_concurrently(
        40,
        lambda i: chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"买家{i}",
            contact_phone=f"137{i:08d}",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"s-{i}",
        ),
    )

    assert outcomes["ok"] == 10
    assert SKU.objects.get(pk=setup.skus[0].pk).stock == 0
    assert sorted(ChainEntry.objects.values_list("sequence", flat=True)) == list(range(1, 11))


def test_a_per_person_limit_holds_against_one_member_submitting_concurrently() -> None:
    # Given a limit of 2 per person
    setup = open_chain(caps=(50,), per_person_limit=2)

    # When one member fires 10 submissions of 1 unit at once (different tabs, different tokens)
    outcomes = run_concurrently(
        10,
        lambda i: chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name="心急的买家",
            contact_phone="13912345678",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"tab-{i}",
        ),
        workers=10,
    )

    # Then they got exactly 2
    assert outcomes["ok"] == 2
    assert outcomes["per_person_limit"] == 8
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 48


def test_a_double_tap_with_one_token_makes_one_order() -> None:
    setup = open_chain(caps=(50,))

    outcomes = run_concurrently(
        8,
        lambda i: chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name="张三",
            contact_phone="13912345678",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token="one-form",
        ),
        workers=8,
    )

    assert outcomes["ok"] == 8  # every tap sees the same, first order
    assert Order.objects.count() == 1
    assert ChainItem.objects.get(pk=setup.items[0].pk).remaining == 49


def test_two_refunds_racing_never_refund_more_than_was_paid() -> None:
    from decimal import Decimal

    from apps.orders.services import order_mark_paid, order_refund

    # Given a paid order of 2 units
    setup = open_chain(caps=(50,), price=Decimal("30.00"))
    entry = chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="张三",
        contact_phone="13912345678",
        quantities={setup.items[0].pk: 2},
        pickup_point=setup.pickup_points[0],
        submission_token="refund-race",
    )
    order_mark_paid(order=entry.order, actor=setup.leader)

    # When six leaders' taps refund the whole order at the same moment
    outcomes = run_concurrently(
        6,
        lambda i: order_refund(order=entry.order, actor=setup.leader, reason=f"race {i}"),
        workers=6,
    )

    # Then one refund went through, the rest were refused, and the money adds up
    assert outcomes["ok"] == 1
    assert outcomes["illegal_transition"] == 5
    order = Order.objects.get(pk=entry.order_id)
    assert order.refunded_amount == order.paid_amount == Decimal("60.00")
