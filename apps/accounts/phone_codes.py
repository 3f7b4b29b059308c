"""Sign-in codes (验证码): 6 digits, 5 minutes, single use, rate-limited, stored hashed."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import PhoneCode, User
from apps.accounts.signals import phone_verified
from apps.core.errors import Conflict, InvalidInput
from apps.core.locks import LockSpace, advisory_lock

CODE_TTL = timedelta(minutes=5)
RESEND_AFTER = timedelta(minutes=1)
MAX_SENDS_PER_PHONE_PER_HOUR = 5
MAX_SENDS_PER_IP_PER_HOUR = 10
MAX_WRONG_TRIES = 5


class TooManyRequests(Conflict):
    status = 429
    default_code = "rate_limited"


def _hash(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_code_issue(*, phone: str, ip: str | None) -> str:
    """Create a code for `phone` and return it (the caller sends it). Refused when rate-limited."""
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    with transaction.atomic():
        # One send decision at a time per phone, so two quick taps cannot both pass the limit.
        advisory_lock(LockSpace.PHONE_CODE, phone)
        recent = PhoneCode.objects.filter(phone=phone, created_at__gte=hour_ago)
        last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
        if last is not None and now - last < RESEND_AFTER:
            wait = int((RESEND_AFTER - (now - last)).total_seconds()) + 1
            raise TooManyRequests(
                ngettext(
                    "发送太频繁，请 %(wait)s 秒后再试", "发送太频繁，请 %(wait)s 秒后再试", wait
                )
                % {"wait": wait},
                field="phone",
            )
        if recent.count() >= MAX_SENDS_PER_PHONE_PER_HOUR:
            raise TooManyRequests(
                _("这个手机号本小时获取验证码次数过多，请稍后再试"), field="phone"
            )
        if ip and PhoneCode.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= (
            MAX_SENDS_PER_IP_PER_HOUR
        ):
            raise TooManyRequests(_("获取验证码次数过多，请稍后再试"), field="phone")
        code = f"{secrets.randbelow(1_000_000):06d}"
        PhoneCode.objects.create(
            phone=phone, code_hash=_hash(phone, code), ip=ip or None, expires_at=now + CODE_TTL
        )
    return code


def phone_code_check(*, phone: str, code: str) -> None:
    """Accept the newest live code for `phone` once; count wrong tries; InvalidInput otherwise."""
    code = code.strip()
    now = timezone.now()
    wrong = False
    with transaction.atomic():
        record = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at=None)
            .order_by("-created_at")
            .first()
        )
        if record is None or record.expires_at <= now:
            raise InvalidInput(_("验证码已失效，请重新获取"), code="code_expired", field="code")
        if record.attempts >= MAX_WRONG_TRIES:
            raise InvalidInput(_("错误次数过多，请重新获取验证码"), code="code_dead", field="code")
        if hmac.compare_digest(record.code_hash, _hash(phone, code)):
            record.used_at = now
            record.save(update_fields=["used_at"])
        else:
            # Kept (committed) even though the sign-in fails: the count is the brute-force guard.
            record.attempts += 1
            record.save(update_fields=["attempts"])
            wrong = True
    if wrong:
        raise InvalidInput(_("验证码错误"), code="code_wrong", field="code")


def phone_sign_in(*, phone: str, code: str, current: User | None) -> User:
    """Check the code, then the account for this phone: the signed-in user (who adds the phone),
    the account that has it, or a new member account.

    The check runs in its own transaction first, so a wrong try is counted even though the
    sign-in fails."""
    phone_code_check(phone=phone, code=code)
    with transaction.atomic():
        users = get_user_model().objects
        owner = users.select_for_update().filter(phone=phone).first()
        if current is not None:
            if owner is not None and owner.pk != current.pk:
                raise Conflict(_("这个手机号已绑定其他账号"), code="phone_taken", field="phone")
            if current.phone != phone:
                current.phone = phone
                current.save(update_fields=["phone"])
            user = current
        elif owner is not None:
            user = owner
        else:
            user = users.create_user(username=f"m{phone}", phone=phone)
            user.set_unusable_password()
            user.save(update_fields=["password"])
        phone_verified.send(sender=User, user=user, phone=phone)
    return user
