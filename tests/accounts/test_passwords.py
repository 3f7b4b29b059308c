"""The suite hashes passwords with MD5 for speed (tests/conftest.py); the project itself must not."""

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import identify_hasher

import config.settings
from tests.accounts.factories import UserFactory


def test_the_project_settings_hash_passwords_with_pbkdf2() -> None:
    hashers = getattr(config.settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)

    assert hashers[0] == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert not any("MD5" in hasher or "Unsalted" in hasher for hasher in hashers)


@pytest.mark.django_db
def test_a_password_saved_under_the_project_hashers_is_pbkdf2(settings: object) -> None:
    settings.PASSWORD_HASHERS = getattr(  # type: ignore[attr-defined]
        config.settings, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS
    )

    user = UserFactory()

    assert identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert user.check_password("pass-word-123")
