"""Commission arithmetic, pure: which rule applies to a line, and how a line's paid amount splits
between level 1, level 2, the leader and the platform.

The ledger snapshots each rule as a plain dict (`rule_snapshot`); reconciliation feeds those dicts
back into `order_split`, so a later rule change never alters past commission and the ledger can
always be recomputed from its own rows.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from apps.core.money import ZERO, money
from apps.distribution.models import CommissionRule

SPECIFICITY: dict[str, int] = {
    CommissionRule.Scope.SKU: 0,
    CommissionRule.Scope.PRODUCT: 1,
    CommissionRule.Scope.MERCHANT: 2,
    CommissionRule.Scope.DEFAULT: 3,
}
LEVELS = ("level1", "level2", "leader")


@dataclass(frozen=True)
class LineInput:
    line_id: int
    sku_id: int
    product_id: int
    merchant_id: int
    quantity: int
    base: Decimal  # what the buyer paid for the line, after its share of the discount
    distributor_eligible: bool  # the referring distributor's scope covers this line


def rule_snapshot(rule: CommissionRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "kind": rule.kind,
        "scope": rule.scope,
        "level1_mode": rule.level1_mode,
        "level1_value": str(rule.level1_value),
        "level2_mode": rule.level2_mode,
        "level2_value": str(rule.level2_value),
    }


def supply_rate_snapshot(*, agreement_id: int, rate: Decimal) -> dict[str, Any]:
    """The leader's rate agreed with the merchant (SupplyAgreement), used when no leader rule
    matches: it is what the merchant already promised the leader."""
    return {
        "id": None,
        "supply_agreement": agreement_id,
        "name": "供货合作佣金",
        "kind": CommissionRule.Kind.LEADER,
        "scope": "supply",
        "level1_mode": CommissionRule.Mode.PERCENT,
        "level1_value": str(rate),
        "level2_mode": CommissionRule.Mode.PERCENT,
        "level2_value": "0",
    }


def rule_pick(
    *,
    rules: Iterable[CommissionRule],
    excluded: Mapping[int, set[int]],
    sku_id: int,
    product_id: int,
    merchant_id: int,
    at: datetime,
) -> CommissionRule | None:
    """The most specific active rule valid at `at` that targets the line; None when there is
    none or when that rule excludes the line's product (an exclusion is final)."""
    matching = [
        rule
        for rule in rules
        if rule.active
        and rule.is_valid_at(at)
        and (
            rule.scope == CommissionRule.Scope.DEFAULT
            or (rule.scope == CommissionRule.Scope.MERCHANT and rule.merchant_id == merchant_id)
            or (rule.scope == CommissionRule.Scope.PRODUCT and rule.product_id == product_id)
            or (rule.scope == CommissionRule.Scope.SKU and rule.sku_id == sku_id)
        )
    ]
    if not matching:
        return None
    best = min(matching, key=lambda rule: (SPECIFICITY[rule.scope], -(rule.pk or 0)))
    if product_id in excluded.get(best.pk, set()):
        return None
    return best


def _raw(mode: str, value: str, *, base: Decimal, quantity: int) -> Decimal:
    if mode == CommissionRule.Mode.FIXED:
        return Decimal(value) * quantity
    return base * Decimal(value) / 100


def line_raw(
    *,
    line: Mapping[str, Any],
    distributor_rule: Mapping[str, Any] | None,
    leader_rule: Mapping[str, Any] | None,
) -> dict[str, Decimal]:
    """Unrounded commission of one line per level, each capped so their sum never exceeds the
    line's paid amount (level 1 first, then level 2, then the leader)."""
    base = Decimal(line["base"])
    quantity = int(line["quantity"])
    raw = dict.fromkeys(LEVELS, Decimal(0))
    left = base
    if distributor_rule is not None and line["distributor_eligible"]:
        raw["level1"] = min(
            left,
            _raw(
                distributor_rule["level1_mode"],
                distributor_rule["level1_value"],
                base=base,
                quantity=quantity,
            ),
        )
        left -= raw["level1"]
        if line.get("has_level2"):
            raw["level2"] = min(
                left,
                _raw(
                    distributor_rule["level2_mode"],
                    distributor_rule["level2_value"],
                    base=base,
                    quantity=quantity,
                ),
            )
            left -= raw["level2"]
    if leader_rule is not None:
        raw["leader"] = min(
            left,
            _raw(
                leader_rule["level1_mode"],
                leader_rule["level1_value"],
                base=base,
                quantity=quantity,
            ),
        )
    return raw


def order_split(lines: Sequence[Mapping[str, Any]]) -> dict[str, Decimal]:
    """Each level's commission on the order, rounded once per entry; the platform's share is
    the remainder, so level 1 + level 2 + leader + platform == the lines' paid amounts exactly."""
    totals = dict.fromkeys(LEVELS, Decimal(0))
    base_total = ZERO
    for line in lines:
        base_total += Decimal(line["base"])
        raw = line_raw(
            line=line,
            distributor_rule=line.get("distributor_rule"),
            leader_rule=line.get("leader_rule"),
        )
        for level in LEVELS:
            totals[level] += raw[level]
    split = {level: money(totals[level]) for level in LEVELS}
    split["platform"] = base_total - sum(split.values(), ZERO)
    split["base"] = base_total
    return split


def reversal_amount(
    *,
    level: str,
    lines: Sequence[Mapping[str, Any]],
    refunded_by_line: Mapping[int, Decimal],
    accrued: Decimal,
    reversed_so_far: Decimal,
    empties_order: bool,
) -> Decimal:
    """How much of a level's accrual one refund takes back (a positive amount): in proportion to
    what was refunded of each line, never more than is left; the refund that empties the order
    takes back exactly what is left, so no fen is stranded."""
    left = accrued - reversed_so_far
    if empties_order:
        return left
    share = Decimal(0)
    for line in lines:
        refunded = refunded_by_line.get(int(line["line_id"]), Decimal(0))
        base = Decimal(line["base"])
        if refunded and base:
            raw = line_raw(
                line=line,
                distributor_rule=line.get("distributor_rule"),
                leader_rule=line.get("leader_rule"),
            )[level]
            share += raw * min(refunded, base) / base
    return min(left, money(share))
