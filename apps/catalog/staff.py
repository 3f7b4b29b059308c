"""A merchant's own staff accounts, kept by the merchant's managers (operations onboard the
merchant and name its first managers; from then on the merchant runs its own team)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.phone import normalize_phone
from apps.accounts.roles import Role, has_role
from apps.catalog.models import Merchant
from apps.core.errors import Conflict, InvalidInput, PermissionDenied


def can_manage_staff(*, merchant: Merchant, actor: User) -> bool:
    return (
        actor.is_superuser
        or has_role(actor, Role.OPERATIONS)
        or merchant.managers.filter(pk=actor.pk).exists()
    )


def _require_manager(*, merchant: Merchant, actor: User) -> None:
    if not can_manage_staff(merchant=merchant, actor=actor):
        raise PermissionDenied(_("只有商家管理员可以管理员工"))


@transaction.atomic
def merchant_staff_add(
    *,
    merchant: Merchant,
    actor: User,
    username: str,
    display_name: str,
    phone: str,
    password: str,
) -> User:
    """Create a staff account for this merchant only; it signs in to the admin."""
    _require_manager(merchant=merchant, actor=actor)
    username = username.strip()
    if not username:
        raise InvalidInput(_("请填写用户名"), field="username")
    users = get_user_model().objects
    if users.filter(username=username).exists():
        raise Conflict(_("用户名已被使用"), code="username_taken", field="username")
    try:
        phone = normalize_phone(phone) if phone.strip() else ""
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="phone") from exc
    if phone and users.filter(phone=phone).exists():
        raise Conflict(_("手机号已被其他账号使用"), code="phone_taken", field="phone")
    user = users.model(
        username=username, display_name=display_name.strip(), phone=phone or None, is_staff=True
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=Role.MERCHANT_STAFF))
    merchant.staff.add(user)
    return user


@transaction.atomic
def merchant_staff_remove(*, merchant: Merchant, actor: User, user: User) -> None:
    """Take a person off this merchant; someone who works nowhere else loses admin access."""
    _require_manager(merchant=merchant, actor=actor)
    if user.pk == actor.pk:
        raise InvalidInput(_("不能移除自己"))
    if not merchant.staff.filter(pk=user.pk).exists():
        raise PermissionDenied(_("这个账号不是本商家的员工"))
    merchant.staff.remove(user)
    merchant.managers.remove(user)
    if not user.merchants.exists():
        user.groups.remove(Group.objects.get(name=Role.MERCHANT_STAFF))
        if not user.groups.exists() and not user.is_superuser:
            user.is_staff = False
            user.save(update_fields=["is_staff"])
