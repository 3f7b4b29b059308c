"""Writes of the privacy app: a member's deletion, the retention clean-up of finished orders,
and the log of staff looking at personal data.

Deletion is anonymisation, not removal: orders, payments, the commission ledger and stock
movements are financial records the law makes a business keep, so every row and every amount
stays and only what identifies the person (name, phone, notes that often hold an address,
nicknames, the WeChat link) is cleared, on the live rows and in their audit history alike.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model, Q, Value
from django.db.models.functions import Coalesce, Concat, Left
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from apps.accounts.anonymise import ANONYMOUS_NAME, user_anonymise
from apps.accounts.models import PhoneCode, User
from apps.audit.models import OrderEvent
from apps.communities.models import Community, LeaderApplication, Membership
from apps.core.errors import Conflict
from apps.notifications.models import Notification
from apps.orders.models import Order
from apps.privacy.models import PersonalDataAccess, PrivacyRequest
from apps.privacy.selectors import orders_of
from apps.rewards.models import Coupon

ANONYMOUS_CONTACT = "已匿名"
UNFINISHED = (Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.READY_FOR_PICKUP)
FINISHED = (Order.Status.COMPLETED, Order.Status.CANCELLED, Order.Status.REFUNDED)
BATCH = 1000


def privacy_request_record(*, user: User, kind: str, detail: str = "") -> PrivacyRequest:
    return PrivacyRequest.objects.create(user=user, kind=kind, detail=detail)


def _erase_refusal(user: User) -> str | None:
    if user.is_staff or user.is_superuser or user.groups.exists():
        return _("工作人员账号请联系管理员注销")
    if Community.objects.filter(owner=user, dissolved_at__isnull=True).exists():
        return _("你还是群主，请先解散或转让你的群")
    if orders_of(user).filter(status__in=UNFINISHED).exists():
        return _("你还有未完成的订单，完成或取消后才能注销")
    return None


def _scrub_order_history(order_ids: list[int], *, contact_name: str | None) -> None:
    """The audit snapshots of these orders hold the same contact details: clear them there too."""
    fields: dict[str, object] = {"contact_phone": "", "note": ""}
    if contact_name is not None:
        fields["contact_name"] = contact_name
    for start in range(0, len(order_ids), BATCH):
        OrderEvent.objects.filter(pgh_obj_id__in=order_ids[start : start + BATCH]).update(**fields)


def _forget_messages(*, user: User, addresses: list[str]) -> None:
    """The outbox keeps no address or wording of a deleted member. What was not sent yet will
    not be (there is nobody to send to); rows that had only the address (a sign-in code sent
    before the account existed) go, since without it they say nothing."""
    Notification.objects.filter(recipient=None, address__in=addresses).delete()
    theirs = Notification.objects.filter(recipient=user)
    theirs.filter(status__in=(Notification.Status.PENDING, Notification.Status.SENDING)).update(
        status=Notification.Status.SUPPRESSED
    )
    theirs.update(address="", context={})


@transaction.atomic(durable=True)
def member_erase(*, user: User) -> None:
    """Delete a member's personal data at their request (注销). Refused, changing nothing, for
    staff, owners of running groups and members with orders still under way."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refusal = _erase_refusal(user)
    if refusal:
        raise Conflict(refusal, code="erase_refused")
    now = timezone.now()
    phone = user.phone or ""
    order_ids = list(orders_of(user).values_list("pk", flat=True))
    Order.objects.filter(pk__in=order_ids).update(
        contact_name=ANONYMOUS_CONTACT, contact_phone="", note=""
    )
    _scrub_order_history(order_ids, contact_name=ANONYMOUS_CONTACT)
    Membership.objects.filter(user=user).update(nickname="")
    Membership.objects.filter(user=user, left_at__isnull=True).update(left_at=now)
    LeaderApplication.objects.filter(applicant=user).update(
        name=ANONYMOUS_NAME, phone="", neighbourhood="", pickup_address=""
    )
    if phone:
        Coupon.objects.filter(phone=phone).update(phone="")
        PhoneCode.objects.filter(phone=phone).delete()
    _forget_messages(user=user, addresses=[a for a in (phone, user.email) if a])
    Token.objects.filter(user=user).delete()
    privacy_request_record(user=user, kind=PrivacyRequest.Kind.ERASE)
    user_anonymise(user=user)


def orders_anonymise_finished(*, now: datetime | None = None) -> int:
    """Clear the contact phone and note (the address) of orders finished more than
    PRIVACY_ADDRESS_RETENTION_DAYS ago, and shorten the name to its first character. The beat
    task runs this; it is idempotent, so a retried run is harmless. Returns the orders changed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.PRIVACY_ADDRESS_RETENTION_DAYS)
    due = (
        Order.objects.filter(status__in=FINISHED)
        .alias(finished_at=Coalesce("completed_at", "cancelled_at", "paid_at", "created_at"))
        .filter(finished_at__lte=cutoff)
        .filter(~Q(contact_phone="") | ~Q(note=""))
        .order_by("pk")
    )
    changed = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return changed
        with transaction.atomic():
            changed += Order.objects.filter(pk__in=ids).update(
                contact_phone="",
                note="",
                contact_name=Concat(Left("contact_name", 1), Value("*")),
            )
            _scrub_order_history(ids, contact_name=None)


def personal_data_access_record(
    *, viewer: User, obj: Model, path: str, ip: str | None
) -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        viewer=viewer,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        path=path[:500],
        ip=ip or None,
    )
