"""Queries per list page and endpoint, at two list sizes.

Every case of tests/core/list_endpoints.py (where the test suite pins the same counts) is set up
on the database in use inside a transaction that is rolled back at the end, listed with 2 rows
and with 12, and its query count printed for both. A count that grows is an N+1 query.
The last line is the largest ratio of the count at 12 rows to the count at 2 (1.00: none grows).
"""

from __future__ import annotations

import secrets

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

SMALL, LARGE = 2, 12


def run() -> None:
    from tests.accounts.factories import UserFactory
    from tests.communities.factories import CommunityFactory
    from tests.core.list_endpoints import CASES

    # Factory sequences start past anything an earlier run or the demo may have committed.
    UserFactory.reset_sequence(10_000_000 + secrets.randbelow(80_000_000))
    CommunityFactory.reset_sequence(10_000_000 + secrets.randbelow(80_000_000))
    worst = 0.0
    print(f"{'list page / endpoint':40s} {SMALL:>4d} rows {LARGE:>4d} rows")
    with transaction.atomic():
        for case in CASES:
            listing = case.start()
            for i in range(SMALL):
                listing.grow(i)
            client = Client(HTTP_HOST="localhost")
            client.force_login(listing.viewer)
            # Warm the session and content-type caches.
            client.get(listing.url, headers=listing.headers)
            counts = []
            for start, size in ((SMALL, SMALL), (SMALL, LARGE)):
                for i in range(start, size):
                    listing.grow(i)
                with CaptureQueriesContext(connection) as queries:
                    status = client.get(listing.url, headers=listing.headers).status_code
                if status != 200:
                    raise SystemExit(f"queries: {listing.url} answered {status}")
                counts.append(len(queries.captured_queries))
            worst = max(worst, counts[1] / counts[0])
            print(f"{case.name:40s} {counts[0]:9d} {counts[1]:9d}   {listing.url}")
        transaction.set_rollback(True)
    print(f"ratio: {worst:.2f}")
