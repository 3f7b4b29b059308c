"""Mainland China mobile numbers: 11 digits starting 13–19, optionally written with +86."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-]")


def normalize_phone(raw: str) -> str:
    """The canonical 11-digit form; raises ValidationError for anything else."""
    phone = _SEPARATORS.sub("", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if not _MOBILE.match(phone):
        raise ValidationError(_("请输入有效的11位手机号码"), code="invalid_phone")
    return phone


def validate_phone(value: str) -> None:
    normalize_phone(value)


def mask_phone(phone: str) -> str:
    """138****5678: enough for a member to recognise their own entry, not enough to call."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


# mask_phone in SQL, for the exports PostgreSQL writes itself (a Func template: %(expressions)s
# is the phone). tests/accounts/test_phone_mask.py holds the two to the same answers.
MASK_PHONE_SQL = (
    "CASE WHEN length(%(expressions)s) >= 7"
    " THEN left(%(expressions)s, 3) || '****' || right(%(expressions)s, 4)"
    " ELSE repeat('*', length(%(expressions)s)) END"
)


def mask_name(name: str) -> str:
    """张* / 欧阳** / A***: the first character shown, the rest starred, as chain lists do."""
    name = (name or "").strip()
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name) - 1)
