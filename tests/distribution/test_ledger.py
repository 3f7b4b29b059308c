from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from apps.core.money import money
from apps.distribution import selectors, services
from apps.distribution.models import CommissionEntry, CommissionRule
from apps.orders.models import Order
from apps.orders.services import order_refund
from tests.accounts.factories import UserFactory, staff_user
from tests.distribution.factories import approved, complete, dist_setup, paid, place

pytestmark = pytest.mark.django_db
Kind = CommissionEntry.Kind


def _by_level(order: Order) -> dict[str, Decimal]:
    rows = CommissionEntry.objects.filter(order=order).values("level").annotate(t=Sum("amount"))
    return {row["level"]: row["t"] for row in rows}


def test_paid_order_accrues_level1_and_level2_pending() -> None:
    setup = dist_setup(price=Decimal("29.90"))
    order = paid(setup.chain, code=setup.distributor.code, quantity=3)  # 89.70
    levels = _by_level(order)
    assert levels == {"level1": Decimal("8.97"), "level2": Decimal("4.49")}
    balance = selectors.balance_of(setup.distributor.user)
    assert (balance.pending, balance.frozen, balance.available) == (Decimal("8.97"), 0, 0)
    entry = CommissionEntry.objects.get(order=order, level="level1")
    assert entry.rule_snapshot["lines"][0]["distributor_rule"]["id"] == setup.rule.pk
    split = entry.rule_snapshot["split"]
    total = sum(Decimal(split[k]) for k in ("level1", "level2", "leader", "platform"))
    assert total == order.paid_amount


def test_states_follow_completion_and_after_sales_window(settings: object) -> None:
    setup = dist_setup()
    order = complete(paid(setup.chain, code=setup.distributor.code))
    user = setup.distributor.user
    assert selectors.balance_of(user).frozen == Decimal("2.99")
    Order.objects.filter(pk=order.pk).update(completed_at=order.completed_at - timezone_days(8))
    assert selectors.balance_of(user).available == Decimal("2.99")


def timezone_days(days: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(days=days)


def test_same_events_twice_accrue_and_reverse_once() -> None:
    setup = dist_setup()
    order = paid(setup.chain, code=setup.distributor.code, quantity=4)
    services.commission_accrue(order=order)
    refund = order_refund(
        order=order, actor=setup.chain.leader, reason="坏果", quantities={order.lines.get().pk: 1}
    )
    order.refresh_from_db()
    services.commission_reverse(order=order, refund=refund)
    assert CommissionEntry.objects.filter(order=order, kind=Kind.ACCRUAL).count() == 2
    assert CommissionEntry.objects.filter(order=order, kind=Kind.REVERSAL).count() == 2
    # 119.60 paid, 29.90 refunded: a quarter of 11.96 and 5.98 comes back
    assert _by_level(order) == {"level1": Decimal("8.97"), "level2": Decimal("4.48")}


def test_full_refund_reverses_everything_to_the_fen() -> None:
    setup = dist_setup(price=Decimal("33.33"))
    order = paid(setup.chain, code=setup.distributor.code, quantity=3)
    line = order.lines.get()
    for _ in range(3):
        order_refund(order=order, actor=setup.chain.leader, reason="退", quantities={line.pk: 1})
    assert set(_by_level(order).values()) == {Decimal("0.00")}
    assert services.commission_reconcile() == []


def test_database_refuses_update_and_delete_of_ledger_rows() -> None:
    setup = dist_setup()
    order = paid(setup.chain, code=setup.distributor.code)
    entry = CommissionEntry.objects.get(order=order, level="level1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        CommissionEntry.objects.filter(pk=entry.pk).update(amount=Decimal("999"))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM distribution_commissionentry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.amount == Decimal("2.99")


def test_most_specific_rule_wins_and_exclusions_are_final() -> None:
    setup = dist_setup(level1="10", level2="0")
    sku = setup.chain.skus[0]
    CommissionRule.objects.create(
        name="商家", scope="merchant", merchant=sku.product.merchant, level1_value=Decimal("20")
    )
    CommissionRule.objects.create(
        name="规格", scope="sku", sku=sku, level1_mode="fixed", level1_value=Decimal("1.50")
    )
    order = paid(setup.chain, code=setup.distributor.code, quantity=2)
    assert _by_level(order)["level1"] == Decimal("3.00")
    product_rule = CommissionRule.objects.create(
        name="商品", scope="product", product=sku.product, level1_value=Decimal("50")
    )
    CommissionRule.objects.filter(scope="sku").update(active=False)
    order = paid(setup.chain, code=setup.distributor.code, quantity=1)
    assert _by_level(order)["level1"] == Decimal("14.95")
    product_rule.excluded_products.add(sku.product)
    order = paid(setup.chain, code=setup.distributor.code, quantity=1)
    assert "level1" not in _by_level(order)


def test_rule_change_never_alters_past_commission() -> None:
    setup = dist_setup(level2="0")
    order = paid(setup.chain, code=setup.distributor.code, quantity=1)
    CommissionRule.objects.filter(pk=setup.rule.pk).update(level1_value=Decimal("50"))
    assert services.commission_reconcile() == []
    assert _by_level(order)["level1"] == Decimal("2.99")


def test_self_purchase_earns_only_when_allowed(settings: object) -> None:
    setup = dist_setup()
    me = setup.distributor.user
    order = paid(setup.chain, code=setup.distributor.code, phone=me.phone)
    assert _by_level(order) == {}
    settings.DISTRIBUTION_SELF_PURCHASE = True  # type: ignore[attr-defined]
    order = paid(setup.chain, code=setup.distributor.code, buyer=me, phone="13800139999")
    assert _by_level(order)["level1"] == Decimal("2.99")


def test_other_communitys_code_and_suspended_distributor_earn_nothing() -> None:
    setup = dist_setup()
    other = dist_setup()
    order = paid(setup.chain, code=other.distributor.code)
    assert _by_level(order) == {}
    services.distributor_suspend(distributor=setup.distributor, actor=setup.chain.leader)
    order = paid(setup.chain, code=setup.distributor.code)
    assert _by_level(order) == {}


def test_leader_commission_from_supply_agreement_and_leader_rule() -> None:
    setup = dist_setup(level1="0", level2="0")
    agreement = setup.chain.skus[0].product.merchant.supply_agreements.get()
    agreement.commission_rate = Decimal("8")
    agreement.save(update_fields=["commission_rate"])
    order = paid(setup.chain)
    assert _by_level(order) == {"leader": Decimal("2.39")}
    assert CommissionEntry.objects.get(order=order).beneficiary == setup.chain.leader
    CommissionRule.objects.create(
        name="团长", kind="leader", scope="default", level1_value=Decimal("12")
    )
    order = paid(setup.chain)
    assert _by_level(order) == {"leader": Decimal("3.59")}


def test_split_is_fen_exact_with_awkward_amounts() -> None:
    setup = dist_setup(price=Decimal("0.07"), level1="33.33", level2="33.33")
    order = paid(setup.chain, code=setup.distributor.code, quantity=1)
    split = CommissionEntry.objects.filter(order=order)[0].rule_snapshot["split"]
    parts = [Decimal(split[k]) for k in ("level1", "level2", "leader", "platform")]
    assert sum(parts) == Decimal("0.07")
    assert all(part == money(part) for part in parts)


def test_refund_after_payout_goes_negative_and_next_payout_deducts_it(settings: object) -> None:
    settings.DISTRIBUTION_MIN_PAYOUT = "1.00"  # type: ignore[attr-defined]
    finance = staff_user("finance")
    setup = dist_setup(price=Decimal("100.00"), level2="0")
    order = paid(setup.chain, code=setup.distributor.code, quantity=2)
    complete(order, days_ago=30)
    batch = services.payout_batch_create(
        period_start=order.created_at.date(), period_end=order.created_at.date(), actor=finance
    )
    assert batch.lines.get().amount == Decimal("20.00")
    services.payout_batch_review(batch=batch, actor=finance)
    services.payout_batch_mark_paid(batch=batch, actor=finance, reference="WX001")
    order_refund(
        order=order, actor=setup.chain.leader, reason="退", quantities={order.lines.get().pk: 1}
    )
    user = setup.distributor.user
    assert selectors.balance_of(user).available == Decimal("-10.00")
    second = paid(setup.chain, code=setup.distributor.code, quantity=3)
    complete(second, days_ago=30)
    batch2 = services.payout_batch_create(
        period_start=second.created_at.date(), period_end=second.created_at.date(), actor=finance
    )
    assert batch2.lines.get(beneficiary=user).amount == Decimal("20.00")
    with pytest.raises(services.Conflict):
        services.payout_batch_create(
            period_start=second.created_at.date(),
            period_end=second.created_at.date(),
            actor=finance,
        )


def test_only_finance_settles_and_reviewed_batches_are_paid() -> None:
    setup = dist_setup()
    with pytest.raises(services.PermissionDenied):
        services.payout_batch_create(
            period_start=timezone_date(), period_end=timezone_date(), actor=setup.chain.leader
        )


def timezone_date():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.localdate()


def test_apply_and_approve_by_community_manager_only() -> None:
    setup = dist_setup()
    applicant = UserFactory()
    distributor = services.distributor_apply(
        user=applicant, community=setup.chain.community, parent_code=setup.distributor.code
    )
    assert distributor.parent == setup.distributor
    with pytest.raises(services.PermissionDenied):
        services.distributor_approve(distributor=distributor, actor=UserFactory())
    distributor = services.distributor_approve(distributor=distributor, actor=setup.chain.leader)
    assert distributor.status == "approved"
    with pytest.raises(services.Conflict):
        services.distributor_apply(user=applicant, community=setup.chain.community)


def test_reconciliation_reports_a_missed_reversal_to_finance() -> None:
    from apps.notifications.models import Notification

    finance = staff_user("finance")
    setup = dist_setup()
    order = paid(setup.chain, code=setup.distributor.code, quantity=2)
    with transaction.atomic():
        # The refund's event never reached distribution (a receiver bug, say).
        from apps.orders import events

        events.order_refunded.disconnect(dispatch_uid="distribution.refunded")
        try:
            order_refund(
                order=order,
                actor=setup.chain.leader,
                reason="退",
                quantities={order.lines.get().pk: 1},
            )
        finally:
            from apps.distribution.receivers import reverse_on_refund

            events.order_refunded.connect(reverse_on_refund, dispatch_uid="distribution.refunded")
    differences = services.commission_reconcile_and_report()
    assert {d["level"] for d in differences} == {"level1", "level2"}
    assert Notification.objects.filter(
        recipient=finance, template="distribution_reconciliation"
    ).exists()


def test_unattributed_order_writes_nothing() -> None:
    setup = dist_setup()
    order = place(setup.chain)
    assert not CommissionEntry.objects.filter(order=order).exists()
    approved(UserFactory(), community=setup.chain.community)
