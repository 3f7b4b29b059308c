"""Placing orders on a chain: pricing by the server, numbers, caps, limits and idempotency."""

from decimal import Decimal

import pytest

from apps.catalog.models import StockMovement
from apps.chains.models import Chain, ChainEntry
from apps.chains.services import chain_close, chain_order_place
from apps.core.errors import Conflict, InvalidInput
from apps.orders.models import Order
from tests.chains.factories import ChainSetup, open_chain

pytestmark = pytest.mark.django_db


def place(setup: ChainSetup, *, phone: str = "13800138000", token: str = "t1", **quantities: int):
    wanted = quantities or {"0": 1}
    return chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="张三",
        contact_phone=phone,
        quantities={setup.items[int(k)].pk: v for k, v in wanted.items()},
        pickup_point=setup.pickup_points[0],
        submission_token=token,
    )


def test_an_order_gets_the_next_number_and_takes_stock_from_sku_and_cap() -> None:
    setup = open_chain(caps=(50, 20), stock=100, price=Decimal("29.90"))

    first = place(setup, token="a", **{"0": 2, "1": 1})
    second = place(setup, token="b", phone="13800138001")

    assert (first.sequence, second.sequence) == (1, 2)
    assert first.order.total_amount == Decimal("89.70")
    assert first.order.status == Order.Status.PENDING_PAYMENT
    setup.items[0].refresh_from_db()
    setup.skus[0].refresh_from_db()
    assert setup.items[0].remaining == 47
    assert setup.skus[0].stock == 97
    assert (
        StockMovement.objects.filter(sku=setup.skus[0], reason=StockMovement.Reason.ORDER).count()
        == 2
    )
    assert first.pickup_code.startswith("001") and len(first.pickup_code) == 7


def test_pickup_codes_stay_unique_past_the_999th_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same random suffix for both: only the number tells the codes apart.
    monkeypatch.setattr("apps.chains.ordering.secrets.randbelow", lambda _n: 9990)
    setup = open_chain(caps=(5000,), stock=5000)
    Chain.objects.filter(pk=setup.chain.pk).update(entry_count=134)
    early = place(setup, token="early")
    Chain.objects.filter(pk=setup.chain.pk).update(entry_count=1358)

    late = place(setup, token="late", phone="13800138001")

    assert (early.sequence, early.pickup_code) == (135, "1359990")
    assert (late.sequence, late.pickup_code) == (1359, "13599990")


def test_the_same_submission_token_makes_one_order() -> None:
    setup = open_chain()

    first = place(setup, token="same")
    again = place(setup, token="same")

    assert again.pk == first.pk
    assert Order.objects.count() == 1
    setup.items[0].refresh_from_db()
    assert setup.items[0].remaining == 49


def test_a_double_tap_that_used_up_the_per_person_limit_gets_its_first_order_back() -> None:
    # The repeat is recognised before the checks its first submission changed the answer to.
    setup = open_chain(per_person_limit=1)
    first = place(setup, token="tap")

    again = place(setup, token="tap")

    assert again.pk == first.pk
    assert Order.objects.count() == 1


def test_a_token_reused_by_another_phone_is_refused() -> None:
    setup = open_chain()
    place(setup, token="same")

    with pytest.raises(Conflict) as error:
        place(setup, token="same", phone="13900139000")

    assert error.value.code == "token_used"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "至少选择"), (-1, "负数"), (1000, "最多"), ("abc", "整数")],
)
def test_bad_quantities_are_refused_and_nothing_is_written(quantity: object, message: str) -> None:
    setup = open_chain()

    with pytest.raises(InvalidInput, match=message):
        place(setup, **{"0": quantity})  # type: ignore[arg-type]

    assert Order.objects.count() == 0
    setup.items[0].refresh_from_db()
    assert setup.items[0].remaining == 50


def test_an_item_of_another_chain_is_refused() -> None:
    setup = open_chain()
    other = open_chain()

    with pytest.raises(InvalidInput, match="不在这个接龙"):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name="张三",
            contact_phone="13800138000",
            quantities={other.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token="x",
        )
    assert Order.objects.count() == 0


def test_a_pickup_point_is_required_and_must_belong_to_the_chain() -> None:
    setup = open_chain()
    other = open_chain()

    for point in (None, other.pickup_points[0]):
        with pytest.raises(InvalidInput, match="自提点"):
            chain_order_place(
                chain=setup.chain,
                buyer=None,
                contact_name="张三",
                contact_phone="13800138000",
                quantities={setup.items[0].pk: 1},
                pickup_point=point,
                submission_token="x",
            )
    assert Order.objects.count() == 0


def test_more_than_the_cap_is_refused_with_what_is_left() -> None:
    setup = open_chain(caps=(3,))
    place(setup, token="a", **{"0": 2})

    with pytest.raises(Conflict, match="只剩 1 件"):
        place(setup, token="b", phone="13800138001", **{"0": 2})

    assert Order.objects.count() == 1
    assert ChainEntry.objects.count() == 1
    setup.skus[0].refresh_from_db()
    assert setup.skus[0].stock == 98


def test_the_per_person_limit_counts_earlier_orders_but_not_cancelled_ones() -> None:
    from apps.orders.services import order_cancel

    setup = open_chain(per_person_limit=2)
    first = place(setup, token="a", **{"0": 2})

    with pytest.raises(Conflict, match="每人限购 2 件"):
        place(setup, token="b", **{"0": 1})

    order_cancel(order=first.order, actor=None)
    assert place(setup, token="c", **{"0": 2}).sequence == 2


def test_a_closed_chain_takes_no_orders_and_numbers_stay_gap_free() -> None:
    setup = open_chain()
    place(setup, token="a")
    chain_close(chain=setup.chain, actor=setup.leader)

    with pytest.raises(Conflict, match="已截单"):
        place(setup, token="b")

    setup.chain.refresh_from_db()
    assert setup.chain.entry_count == 1


def test_a_draft_chain_takes_no_orders() -> None:
    setup = open_chain(open_now=False)

    with pytest.raises(Conflict, match="还没有开始"):
        place(setup)
    assert Order.objects.count() == 0


def test_a_failed_order_does_not_use_up_a_number() -> None:
    setup = open_chain(caps=(1,))
    place(setup, token="a")
    with pytest.raises(Conflict):
        place(setup, token="b", phone="13800138001")

    setup.chain.refresh_from_db()
    assert setup.chain.entry_count == 1
