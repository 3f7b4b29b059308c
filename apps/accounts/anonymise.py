"""Turning an account into an anonymous, unusable one (a member's erasure, a temporary group's end).

Orders, ledgers and totals keep pointing at the row, so the account is emptied, never deleted.
"""

from apps.accounts.models import User

ANONYMOUS_NAME = "已注销用户"


def user_anonymise(*, user: User) -> None:
    user.username = f"anonymised-{user.pk}"
    user.display_name = ANONYMOUS_NAME
    user.first_name = user.last_name = user.email = ""
    user.phone = None
    user.wechat_openid = None
    user.is_active = False
    # A new (unusable) password also ends every session the account still has open.
    user.set_unusable_password()
    user.save(
        update_fields=[
            "username",
            "display_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "wechat_openid",
            "is_active",
            "password",
        ]
    )
