"""Supply agreements: a leader asks a merchant to supply them; the merchant approves (setting the
leader's commission rate), rejects, suspends or resumes. Only approved leaders build chains from
the merchant's goods (see selectors.skus_sellable_by)."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog.models import Merchant, SupplyAgreement
from apps.communities.leaders import is_leader
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied

Status = SupplyAgreement.Status


def supply_apply(*, merchant: Merchant, leader: User, note: str = "") -> SupplyAgreement:
    """Ask again after a rejection reuses the same row (one per merchant and leader)."""
    if not is_leader(leader):
        raise PermissionDenied(_("通过团长申请后才能申请供货"))
    with transaction.atomic():
        agreement = (
            SupplyAgreement.objects.select_for_update()
            .filter(merchant=merchant, leader=leader)
            .first()
        )
        if agreement is None:
            try:
                with transaction.atomic():
                    return SupplyAgreement.objects.create(
                        merchant=merchant, leader=leader, note=note.strip()
                    )
            except IntegrityError as exc:  # a double tap created it a moment ago
                raise Conflict(_("已经申请过了，请等待商家处理"), code="supply_pending") from exc
        if agreement.status != Status.REJECTED:
            raise Conflict(
                _("已有供货合作（%(status)s）") % {"status": agreement.get_status_display()},
                code="supply_exists",
            )
        agreement.status = Status.APPLIED
        agreement.note = note.strip()
        agreement.save(update_fields=["status", "note", "updated_at"])
        return agreement


def _decide(*, agreement: SupplyAgreement, actor: User, allowed: set[str]) -> SupplyAgreement:
    if not (actor.is_superuser or agreement.merchant.staff.filter(pk=actor.pk).exists()):
        raise PermissionDenied(_("只有本商家的员工可以处理供货申请"))
    locked = SupplyAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status not in allowed:
        raise IllegalTransition(
            _("当前状态（%(status)s）不能这样处理") % {"status": locked.get_status_display()}
        )
    return locked


def _record(agreement: SupplyAgreement, *, status: str, actor: User, reason: str) -> None:
    agreement.status = status
    agreement.decision_reason = reason.strip()
    agreement.decided_by = actor
    agreement.decided_at = timezone.now()
    agreement.save(
        update_fields=[
            "status",
            "decision_reason",
            "decided_by",
            "decided_at",
            "commission_rate",
            "updated_at",
        ]
    )


@transaction.atomic
def supply_approve(
    *, agreement: SupplyAgreement, actor: User, commission_rate: Decimal, reason: str = ""
) -> SupplyAgreement:
    """Approve an application, or resume a suspended leader."""
    if not Decimal(0) <= commission_rate <= Decimal(100):
        raise InvalidInput(_("佣金比例应在 0 到 100 之间"), field="commission_rate")
    agreement = _decide(
        agreement=agreement, actor=actor, allowed={Status.APPLIED, Status.SUSPENDED}
    )
    agreement.commission_rate = commission_rate
    _record(agreement, status=Status.APPROVED, actor=actor, reason=reason)
    return agreement


@transaction.atomic
def supply_reject(*, agreement: SupplyAgreement, actor: User, reason: str) -> SupplyAgreement:
    if not reason.strip():
        raise InvalidInput(_("请写明拒绝原因"), field="decision_reason")
    agreement = _decide(agreement=agreement, actor=actor, allowed={Status.APPLIED})
    _record(agreement, status=Status.REJECTED, actor=actor, reason=reason)
    return agreement


@transaction.atomic
def supply_suspend(*, agreement: SupplyAgreement, actor: User, reason: str) -> SupplyAgreement:
    """Stop a leader building new chains from this merchant's goods."""
    if not reason.strip():
        raise InvalidInput(_("请写明暂停原因"), field="decision_reason")
    agreement = _decide(agreement=agreement, actor=actor, allowed={Status.APPROVED})
    _record(agreement, status=Status.SUSPENDED, actor=actor, reason=reason)
    return agreement
