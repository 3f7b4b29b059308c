"""Distribution writes: distributors' applications, the commission ledger and payouts.

Ledger rows are only ever inserted. Accrual and reversal are keyed (order/refund, beneficiary,
level) by unique constraints and inserted with ON CONFLICT DO NOTHING, so an event delivered twice
writes once; a payout is keyed by (batch, beneficiary).
"""

import secrets
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Merchant, SupplyAgreement
from apps.communities.models import Community
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from apps.core.locks import LockSpace, advisory_lock
from apps.core.money import ZERO, money
from apps.distribution import rules as commission_rules
from apps.distribution import selectors
from apps.distribution.models import (
    CommissionEntry,
    CommissionRule,
    Distributor,
    PayoutBatch,
    PayoutLine,
)
from apps.orders.models import Order, OrderRefund
from apps.orders.services import order_paid_share

Kind = CommissionEntry.Kind
Level = CommissionEntry.Level
DStatus = Distributor.Status
BStatus = PayoutBatch.Status


# --- Distributors ---------------------------------------------------------------------------


def _new_code() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


def distributor_apply(
    *,
    user: User,
    community: Community | None = None,
    merchant: Merchant | None = None,
    parent_code: str = "",
    note: str = "",
) -> Distributor:
    """Apply to distribute for a community or a merchant; a parent code (the distributor who
    recruited you, same scope) makes you their level 2."""
    if (community is None) == (merchant is None):
        raise InvalidInput(_("请选择一个社群或一个商家"), field="community")
    parent = None
    if parent_code:
        parent = selectors.distributor_by_code(parent_code.strip())
        if (
            parent is None
            or parent.community_id != (community.pk if community else None)
            or (parent.merchant_id != (merchant.pk if merchant else None))
        ):
            raise InvalidInput(_("推荐人的推荐码无效"), field="parent_code")
        if parent.user_id == user.pk:
            raise InvalidInput(_("不能填写自己的推荐码"), field="parent_code")
    try:
        with transaction.atomic():
            return Distributor.objects.create(
                user=user,
                community=community,
                merchant=merchant,
                parent=parent,
                code=_new_code(),
                note=note.strip()[:200],
            )
    except IntegrityError as exc:
        raise Conflict(_("你已经申请过了"), code="distributor_exists") from exc


def distributor_can_decide(*, distributor: Distributor, actor: User) -> bool:
    return selectors.distributors_managed_by(actor).filter(pk=distributor.pk).exists()


def _decide(*, distributor: Distributor, actor: User, allowed: set[str], to: str) -> Distributor:
    if not distributor_can_decide(distributor=distributor, actor=actor):
        raise PermissionDenied(_("只有群主、群管理员或商家员工可以处理分销员申请"))
    locked = Distributor.objects.select_for_update().get(pk=distributor.pk)
    if locked.status not in allowed:
        raise IllegalTransition(
            _("当前状态（%(status)s）不能这样处理") % {"status": locked.get_status_display()}
        )
    locked.status = to
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return locked


@transaction.atomic
def distributor_approve(*, distributor: Distributor, actor: User) -> Distributor:
    """Approve an application, or resume a suspended distributor."""
    return _decide(
        distributor=distributor,
        actor=actor,
        allowed={DStatus.APPLIED, DStatus.SUSPENDED},
        to=DStatus.APPROVED,
    )


@transaction.atomic
def distributor_suspend(*, distributor: Distributor, actor: User) -> Distributor:
    """A suspended distributor's links stop attributing; commission already earned stays."""
    return _decide(
        distributor=distributor, actor=actor, allowed={DStatus.APPROVED}, to=DStatus.SUSPENDED
    )


# --- Accrual --------------------------------------------------------------------------------


def self_purchase_allowed() -> bool:
    return bool(getattr(settings, "DISTRIBUTION_SELF_PURCHASE", False))


def _is_self_purchase(order: Order, distributor: Distributor) -> bool:
    user = distributor.user
    return order.buyer_id == user.pk or bool(user.phone and user.phone == order.contact_phone)


def _rules(kind: str) -> tuple[list[CommissionRule], dict[int, set[int]]]:
    rules = list(CommissionRule.objects.filter(kind=kind, active=True))
    excluded: dict[int, set[int]] = defaultdict(set)
    through = CommissionRule.excluded_products.through
    for rule_id, product_id in through.objects.filter(commissionrule__in=rules).values_list(
        "commissionrule_id", "product_id"
    ):
        excluded[rule_id].add(product_id)
    return rules, excluded


def _chain_leader_id(order: Order) -> int | None:
    """The chain's leader, through the chain entry's reverse relation: distribution stays beside
    chains without importing it. Orders not placed on a chain have no leader commission."""
    row = (
        Order.objects.filter(pk=order.pk)
        .values_list("chain_entry__chain__leader_id", flat=True)
        .first()
    )
    return row


def commission_snapshot_lines(
    *, order: Order, distributor: Distributor | None, leader_id: int | None
) -> list[dict[str, Any]]:
    """Each order line with the rules that apply to it now, as plain data for the ledger."""
    lines = list(order.lines.select_related("sku__product").order_by("pk"))
    moment = order.paid_at or timezone.now()
    dist_rules, dist_excluded = _rules(CommissionRule.Kind.DISTRIBUTOR)
    leader_rules, leader_excluded = _rules(CommissionRule.Kind.LEADER)
    agreements: dict[int, SupplyAgreement] = {}
    if leader_id is not None:
        agreements = {
            agreement.merchant_id: agreement
            for agreement in SupplyAgreement.objects.filter(
                leader_id=leader_id, status=SupplyAgreement.Status.APPROVED
            )
        }
    has_level2 = bool(
        distributor is not None
        and distributor.parent is not None
        and distributor.parent.status == DStatus.APPROVED
    )
    snapshot = []
    for line in lines:
        product = line.sku.product
        distributor_rule = None
        if distributor is not None:
            rule = commission_rules.rule_pick(
                rules=dist_rules,
                excluded=dist_excluded,
                sku_id=line.sku_id,
                product_id=product.pk,
                merchant_id=product.merchant_id,
                at=moment,
            )
            distributor_rule = commission_rules.rule_snapshot(rule) if rule else None
        leader_rule = None
        if leader_id is not None:
            rule = commission_rules.rule_pick(
                rules=leader_rules,
                excluded=leader_excluded,
                sku_id=line.sku_id,
                product_id=product.pk,
                merchant_id=product.merchant_id,
                at=moment,
            )
            if rule is not None:
                leader_rule = commission_rules.rule_snapshot(rule)
            elif (agreement := agreements.get(product.merchant_id)) and agreement.commission_rate:
                leader_rule = commission_rules.supply_rate_snapshot(
                    agreement_id=agreement.pk, rate=agreement.commission_rate
                )
        eligible = distributor is not None and (
            distributor.merchant_id is None or distributor.merchant_id == product.merchant_id
        )
        snapshot.append(
            {
                "line_id": line.pk,
                "sku_id": line.sku_id,
                "quantity": line.quantity,
                "base": str(order_paid_share(order=order, list_amount=line.line_total)),
                "distributor_eligible": eligible,
                "has_level2": has_level2,
                "distributor_rule": distributor_rule,
                "leader_rule": leader_rule,
            }
        )
    return snapshot


def commission_accrue(*, order: Order, actor: User | None = None) -> list[CommissionEntry]:
    """Accrue an order's commission when it is paid. Call inside the payment's transaction; a
    second call for the same order inserts nothing."""
    distributor = selectors.distributor_by_code(order.referral_code)
    if distributor is not None and (
        (distributor.community_id is not None and distributor.community_id != order.community_id)
        or (_is_self_purchase(order, distributor) and not self_purchase_allowed())
    ):
        distributor = None
    leader_id = _chain_leader_id(order)
    if distributor is None and leader_id is None:
        return []
    lines = commission_snapshot_lines(order=order, distributor=distributor, leader_id=leader_id)
    split = commission_rules.order_split(lines)
    snapshot = {
        "lines": lines,
        "split": {key: str(value) for key, value in split.items()},
        "referral_code": order.referral_code,
    }
    rows = []
    beneficiaries: list[tuple[str, int, Distributor | None]] = []
    if distributor is not None:
        beneficiaries.append((Level.LEVEL1, distributor.user_id, distributor))
        if distributor.parent is not None and lines and lines[0]["has_level2"]:
            beneficiaries.append((Level.LEVEL2, distributor.parent.user_id, distributor.parent))
    if leader_id is not None:
        beneficiaries.append((Level.LEADER, leader_id, None))
    for level, user_id, who in beneficiaries:
        amount = split[level]
        if amount <= 0:
            continue
        rows.append(
            CommissionEntry(
                kind=Kind.ACCRUAL,
                level=level,
                beneficiary_id=user_id,
                distributor=who,
                merchant_id=who.merchant_id if who is not None else None,
                order=order,
                amount=amount,
                base_amount=split["base"],
                rule_snapshot=snapshot,
                reason=_("订单 %(number)s 付款") % {"number": order.number},
                actor=actor,
            )
        )
    return CommissionEntry.objects.bulk_create(rows, ignore_conflicts=True)


def commission_reverse(
    *, order: Order, refund: OrderRefund, actor: User | None = None
) -> list[CommissionEntry]:
    """Take back commission in proportion to what this refund returned of each line. A second
    call for the same refund inserts nothing."""
    accruals = list(CommissionEntry.objects.filter(order=order, kind=Kind.ACCRUAL).order_by("pk"))
    if not accruals:
        return []
    refunded_by_line: dict[int, Decimal] = {
        line_id: amount for line_id, amount in refund.lines.values_list("line_id", "amount")
    }
    reversed_so_far = {
        (row["beneficiary_id"], row["level"]): row["total"]
        for row in CommissionEntry.objects.filter(order=order, kind=Kind.REVERSAL)
        .exclude(refund=refund)
        .values("beneficiary_id", "level")
        .annotate(total=Sum("amount"))
    }
    empties = order.refunded_amount >= order.paid_amount
    rows = []
    for accrual in accruals:
        amount = commission_rules.reversal_amount(
            level=accrual.level,
            lines=accrual.rule_snapshot["lines"],
            refunded_by_line=refunded_by_line,
            accrued=accrual.amount,
            reversed_so_far=-reversed_so_far.get((accrual.beneficiary_id, accrual.level), ZERO),
            empties_order=empties,
        )
        if amount <= 0:
            continue
        rows.append(
            CommissionEntry(
                kind=Kind.REVERSAL,
                level=accrual.level,
                beneficiary_id=accrual.beneficiary_id,
                distributor_id=accrual.distributor_id,
                merchant_id=accrual.merchant_id,
                order=order,
                refund=refund,
                amount=-amount,
                rule_snapshot=accrual.rule_snapshot,
                reason=_("订单 %(number)s 退款 %(amount)s")
                % {"number": order.number, "amount": refund.amount},
                actor=actor,
            )
        )
    return CommissionEntry.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def commission_adjust(
    *, beneficiary: User, amount: Decimal, reason: str, actor: User
) -> CommissionEntry:
    if not selectors.is_finance(actor):
        raise PermissionDenied(_("只有财务可以调整佣金"))
    if not reason.strip():
        raise InvalidInput(_("请写明调整原因"), field="reason")
    amount = money(amount)
    if amount == 0:
        raise InvalidInput(_("调整金额不能为0"), field="amount")
    return CommissionEntry.objects.create(
        kind=Kind.ADJUSTMENT,
        beneficiary=beneficiary,
        amount=amount,
        reason=reason.strip()[:200],
        actor=actor,
    )


# --- Payouts --------------------------------------------------------------------------------


def _require_finance(actor: User) -> None:
    if not selectors.is_finance(actor):
        raise PermissionDenied(_("只有财务可以处理结算"))


def _lock_payouts() -> None:
    """One batch is built or paid at a time, so two never hold the same balance."""
    advisory_lock(LockSpace.PAYOUTS)


@transaction.atomic
def payout_batch_create(*, period_start: date, period_end: date, actor: User) -> PayoutBatch:
    """A batch of every available balance at or above the minimum, less what open batches
    already hold. A negative balance left by a refund after payout is simply smaller here."""
    _require_finance(actor)
    if period_end < period_start:
        raise InvalidInput(_("结束日期不能早于开始日期"), field="period_end")
    _lock_payouts()
    held = selectors.open_batch_amounts()
    minimum = selectors.min_payout()
    amounts = {
        user_id: available - held.get(user_id, ZERO)
        for user_id, available in selectors.available_balances().items()
    }
    amounts = {user_id: amount for user_id, amount in amounts.items() if amount >= minimum}
    if not amounts:
        raise Conflict(_("没有达到结算门槛的可结算余额"), code="nothing_to_pay")
    batch = PayoutBatch.objects.create(
        period_start=period_start,
        period_end=period_end,
        total_amount=money(sum(amounts.values(), ZERO)),
        created_by=actor,
    )
    PayoutLine.objects.bulk_create(
        PayoutLine(batch=batch, beneficiary_id=user_id, amount=amount)
        for user_id, amount in sorted(amounts.items())
    )
    return batch


def _lock_batch(batch: PayoutBatch) -> PayoutBatch:
    try:
        return PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    except PayoutBatch.DoesNotExist as exc:
        raise NotFound(_("结算批次不存在")) from exc


@transaction.atomic
def payout_batch_review(*, batch: PayoutBatch, actor: User) -> PayoutBatch:
    _require_finance(actor)
    batch = _lock_batch(batch)
    if batch.status != BStatus.DRAFT:
        raise IllegalTransition(_("只有待审核的批次可以审核"))
    batch.status = BStatus.REVIEWED
    batch.reviewed_by = actor
    batch.reviewed_at = timezone.now()
    batch.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
    return batch


@transaction.atomic
def payout_batch_mark_paid(*, batch: PayoutBatch, actor: User, reference: str) -> PayoutBatch:
    """The money has gone out: each line becomes a payout row in the ledger."""
    _require_finance(actor)
    if not reference.strip():
        raise InvalidInput(_("请填写打款凭证号"), field="reference")
    _lock_payouts()
    batch = _lock_batch(batch)
    if batch.status != BStatus.REVIEWED:
        raise IllegalTransition(_("只有已审核的批次可以标记为已打款"))
    batch.status = BStatus.PAID
    batch.paid_by = actor
    batch.paid_at = timezone.now()
    batch.reference = reference.strip()[:64]
    batch.save(update_fields=["status", "paid_by", "paid_at", "reference", "updated_at"])
    CommissionEntry.objects.bulk_create(
        CommissionEntry(
            kind=Kind.PAYOUT,
            beneficiary_id=line.beneficiary_id,
            batch=batch,
            amount=-line.amount,
            reason=_("结算批次 #%(id)s，凭证 %(reference)s")
            % {"id": batch.pk, "reference": batch.reference},
            actor=actor,
        )
        for line in batch.lines.order_by("pk")
    )
    return batch


# --- Reconciliation -------------------------------------------------------------------------


def commission_expected(
    *, order: Order, snapshot_lines: list[dict[str, Any]]
) -> dict[str, Decimal]:
    """What the ledger should hold for an order per level, replayed from the snapshotted rules
    and the order's refunds."""
    split = commission_rules.order_split(snapshot_lines)
    expected = {level: split[level] for level in commission_rules.LEVELS}
    reversed_so_far = dict.fromkeys(commission_rules.LEVELS, ZERO)
    refunds = list(order.refunds.order_by("pk").prefetch_related("lines"))
    refunded_total = ZERO
    for refund in refunds:
        refunded_total += refund.amount
        by_line = {line.line_id: line.amount for line in refund.lines.all()}
        for level in commission_rules.LEVELS:
            if not expected[level]:
                continue
            reversed_so_far[level] += commission_rules.reversal_amount(
                level=level,
                lines=snapshot_lines,
                refunded_by_line=by_line,
                accrued=expected[level],
                reversed_so_far=reversed_so_far[level],
                empties_order=refunded_total >= order.paid_amount,
            )
    return {level: expected[level] - reversed_so_far[level] for level in expected}


def commission_reconcile() -> list[dict[str, str]]:
    """Every order with commission: the ledger's net per level against the recomputation."""
    differences = []
    order_ids = (
        CommissionEntry.objects.filter(kind=Kind.ACCRUAL)
        .values_list("order_id", flat=True)
        .distinct()
        .order_by("order_id")
    )
    for order_id in order_ids.iterator(chunk_size=500):
        order = Order.objects.get(pk=order_id)
        entries = CommissionEntry.objects.filter(order=order)
        first = entries.filter(kind=Kind.ACCRUAL).first()
        if first is None:
            continue
        expected = commission_expected(order=order, snapshot_lines=first.rule_snapshot["lines"])
        actual = {
            row["level"]: row["total"]
            for row in entries.values("level").annotate(total=Sum("amount")).order_by()
        }
        for level, amount in expected.items():
            if actual.get(level, ZERO) != amount:
                differences.append(
                    {
                        "order": order.number,
                        "level": level,
                        "expected": str(amount),
                        "ledger": str(actual.get(level, ZERO)),
                    }
                )
    return differences


def commission_reconcile_and_report() -> list[dict[str, str]]:
    from apps.accounts.roles import Role
    from apps.notifications.services import notify

    differences = commission_reconcile()
    if not differences:
        return differences
    today = timezone.localdate().isoformat()
    finance = User.objects.filter(
        Q(groups__name=Role.FINANCE.value) | Q(is_superuser=True), is_active=True
    ).distinct()
    with transaction.atomic():
        for user in finance.order_by("pk"):
            notify(
                recipient=user,
                template="distribution_reconciliation",
                dedupe_key=f"distribution.reconcile:{today}:{user.pk}",
                context={"differences": differences[:100], "count": len(differences)},
            )
    return differences
