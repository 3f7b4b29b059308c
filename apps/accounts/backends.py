from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from apps.accounts.phone import normalize_phone


class PhoneOrUsernameBackend(ModelBackend):
    """Password login by username or by mainland mobile number."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None or not username or password is None:
            return user
        try:
            phone = normalize_phone(username)
        except ValidationError:
            return None
        candidate = get_user_model().objects.filter(phone=phone).first()
        if (
            candidate
            and candidate.check_password(password)
            and self.user_can_authenticate(candidate)
        ):
            return candidate
        return None


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins that come with a request (the login pages, the
    admin's). A call without one (Django's test client, a management command) is no web sign-in,
    so there is no address to count and it is left to the next backend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
