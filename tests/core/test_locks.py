"""The advisory-lock registry: a lock holds against the same kind and key and never against
another kind, even where the raw keys used to coincide (7301 was both a notification lock and
a possible chain id)."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from apps.core.locks import LockSpace, advisory_lock


def other_session_gets(space: LockSpace, key: int | str) -> bool:
    """Whether a second database session could take (space, key) right now."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            if isinstance(key, int):
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [int(space), key])
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [int(space), key])
            (taken,) = cursor.fetchone()
        return bool(taken)
    finally:
        other.close()  # a session lock ends with its session


@pytest.mark.django_db(transaction=True)
def test_a_lock_holds_for_its_kind_and_key_only_until_the_transaction_ends() -> None:
    with transaction.atomic():
        advisory_lock(LockSpace.NOTIFICATION_RECIPIENT, 7301)
        advisory_lock(LockSpace.CHAIN_BUYER, "12:13800001111")

        assert not other_session_gets(LockSpace.NOTIFICATION_RECIPIENT, 7301)
        assert not other_session_gets(LockSpace.CHAIN_BUYER, "12:13800001111")
        assert other_session_gets(LockSpace.NOTIFICATION_RECIPIENT, 7302)
        assert other_session_gets(LockSpace.PHONE_CODE, 7301)
        assert other_session_gets(LockSpace.CHAIN_BUYER, "12:13800002222")

    assert other_session_gets(LockSpace.NOTIFICATION_RECIPIENT, 7301)


@pytest.mark.django_db(transaction=True)
def test_an_id_beyond_int4_is_hashed_rather_than_refused() -> None:
    with transaction.atomic():
        advisory_lock(LockSpace.NOTIFICATION_RECIPIENT, 2**40)

        assert not other_session_gets(LockSpace.NOTIFICATION_RECIPIENT, str(2**40))


def test_every_kind_has_its_own_number() -> None:
    numbers = [space.value for space in LockSpace.__members__.values()]  # aliases included

    assert len(numbers) == len(set(numbers))
