"""Writes of the ads set-up: creative review, placement offers and the leader's answer.

(Tracking writes live in delivery.py, the rollup's in rollup.py.)
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.ads.models import Creative, Placement
from apps.ads.selectors import is_ads_operator
from apps.communities.models import Community
from apps.communities.selectors import communities_managed_by
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied


def _require_operator(actor: User) -> None:
    if not is_ads_operator(actor):
        raise PermissionDenied(_("只有运营人员可以执行此操作"))


@transaction.atomic
def creative_review(*, creative: Creative, actor: User, approve: bool) -> Creative:
    """Operations approve (or reject) a creative before it can run."""
    _require_operator(actor)
    creative = Creative.objects.select_for_update().get(pk=creative.pk)
    creative.review = Creative.Review.APPROVED if approve else Creative.Review.REJECTED
    creative.reviewed_by = actor
    creative.reviewed_at = timezone.now()
    creative.save(update_fields=["review", "reviewed_by", "reviewed_at", "updated_at"])
    return creative


def placement_offer_check(
    *, creative: Creative, community: Community, slot: str, revenue_share: Decimal
) -> None:
    """Why an offer would be refused, raised as a DomainError (the admin form shows it)."""
    campaign = creative.campaign
    if slot not in Placement.Slot.values:
        raise InvalidInput(_("没有这个广告位"), field="slot")
    if not Decimal(0) <= revenue_share <= Decimal(100):
        raise InvalidInput(_("分成比例须在 0 到 100 之间"), field="revenue_share")
    if campaign.target_kinds and community.kind not in campaign.target_kinds:
        raise InvalidInput(_("该群类型不在广告计划的定向范围内"), field="community")
    if community.is_dissolved:
        raise Conflict(_("该群已解散"), field="community")
    if Placement.objects.filter(campaign=campaign, community=community, slot=slot).exists():
        raise Conflict(_("这个广告位已经向该群发出过邀请"), field="slot")


@transaction.atomic
def placement_offer(
    *,
    creative: Creative,
    community: Community,
    slot: str,
    actor: User,
    revenue_share: Decimal = Decimal("30.00"),
) -> Placement:
    """Offer a campaign's creative to a community's leader (its owner) in one slot."""
    _require_operator(actor)
    placement_offer_check(
        creative=creative, community=community, slot=slot, revenue_share=revenue_share
    )
    try:
        with transaction.atomic():
            return Placement.objects.create(
                campaign=creative.campaign,
                creative=creative,
                community=community,
                leader_id=community.owner_id,
                slot=slot,
                revenue_share=revenue_share,
            )
    except IntegrityError as exc:  # a concurrent offer of the same slot won
        raise Conflict(_("这个广告位已经向该群发出过邀请"), field="slot") from exc


def _decide(placement: Placement, actor: User, status: str) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    allowed = placement.leader_id == actor.pk or (
        communities_managed_by(actor).filter(pk=placement.community_id).exists()
    )
    if not allowed:
        raise PermissionDenied(_("只有本群团长可以处理这个广告邀请"))
    if placement.status != Placement.Status.OFFERED:
        raise IllegalTransition(_("这个广告邀请已经处理过了"))
    placement.status = status
    placement.decided_at = timezone.now()
    placement.save(update_fields=["status", "decided_at", "updated_at"])
    return placement


@transaction.atomic
def placement_accept(*, placement: Placement, actor: User) -> Placement:
    return _decide(placement, actor, Placement.Status.ACCEPTED)


@transaction.atomic
def placement_decline(*, placement: Placement, actor: User) -> Placement:
    return _decide(placement, actor, Placement.Status.DECLINED)
