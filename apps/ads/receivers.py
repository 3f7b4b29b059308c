"""Conversions: an order that carries a valid click token, inside the attribution window, is
recorded as "ad_order_placed" / "ad_order_paid" for the clicked placement (one INSERT each)."""

from typing import Any

from apps.ads.delivery import ORDER_PAID, ORDER_PLACED
from apps.ads.models import Placement
from apps.ads.tokens import click_token_read
from apps.analytics.tracking import track
from apps.orders.models import Order


def _track_conversion(name: str, order: Order) -> None:
    click = click_token_read(order.ad_click_token)
    if click is None:
        return
    placement = (
        Placement.objects.filter(pk=click.placement_id, campaign_id=click.campaign_id)
        .only("pk", "campaign_id", "community_id")
        .first()
    )
    if placement is None:
        return
    track(
        name,
        actor=order.buyer,
        community=placement.community_id,
        subject=placement,
        distinct_id=click.distinct_id,
        properties={
            "campaign_id": placement.campaign_id,
            "placement_id": placement.pk,
            "billable": True,
            "order_id": order.pk,
        },
    )


def track_order_placed(*, order: Order, **kwargs: Any) -> None:
    _track_conversion(ORDER_PLACED, order)


def track_order_paid(*, order: Order, **kwargs: Any) -> None:
    _track_conversion(ORDER_PAID, order)


OPERATIONS_PERMISSIONS = [
    f"ads.{action}_{model}"
    for model in ("advertiser", "campaign", "creative", "placement")
    for action in ("view", "add", "change")
] + ["ads.view_hourlystat"]


def grant_operations_permissions(**kwargs: Any) -> None:
    from apps.accounts.roles import Role, grant_permissions

    grant_permissions(Role.OPERATIONS, OPERATIONS_PERMISSIONS)


def grant_report_access(
    *, instance: Any, action: str, pk_set: set[int] | None, reverse: bool, **kwargs: Any
) -> None:
    """Users added to an advertiser get ads.view_campaign, which shows them the report link in
    the navigation (read from the permission cache the page loads anyway, no extra query). What
    they see is still scoped by campaigns_visible_to."""
    if action != "post_add" or not pk_set:
        return
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    permission = Permission.objects.filter(
        content_type__app_label="ads", codename="view_campaign"
    ).first()
    if permission is None:
        return
    users = [instance] if reverse else list(get_user_model().objects.filter(pk__in=pk_set))
    for user in users:
        user.user_permissions.add(permission)
