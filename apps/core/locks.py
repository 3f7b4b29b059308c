"""Every PostgreSQL advisory lock the project takes, from one registry so no two kinds collide.

Each lock is `pg_advisory_xact_lock(space, key)`: the first integer says what kind of thing is
locked (one LockSpace member each), the second which one (an integer that fits, or a text
hashed by hashtext()). Two kinds can therefore never wait on each other; within one kind two
different texts share a lock only when their hashes do, which costs a wait, never a wrong result.
All are transaction-scoped: released at commit or rollback, never held across requests.
"""

from enum import IntEnum

from django.db import connection

INT4_MAX = 2**31 - 1


class LockSpace(IntEnum):
    NOTIFICATION_RECIPIENT = 1  # marketing-cap decisions for one recipient
    PHONE_CODE = 2  # sending a sign-in code to one phone
    CHAIN_BUYER = 3  # one buyer's orders on one chain (per-person limits, double taps)
    REWARDS_MEMBER = 4  # one member's points and check-ins in one community
    COMMUNITY_JOIN = 5  # one user's joins through invites (the daily limit)
    MEMBERSHIP_PLAN_MEMBER = 6  # one member's trial, purchases and grants of one plan
    PAYOUTS = 7  # building or paying a payout batch
    ADS_ROLLUP = 8  # the hourly ads rollup


def advisory_lock(space: LockSpace, key: int | str = 0) -> None:
    """Wait for the lock on (space, key) and hold it until the transaction ends."""
    with connection.cursor() as cursor:
        if isinstance(key, int) and 0 <= key <= INT4_MAX:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [int(space), key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [int(space), str(key)])
