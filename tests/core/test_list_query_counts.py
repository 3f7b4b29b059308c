"""Every list page and endpoint in tests/core/list_endpoints.py runs as many queries for 12 rows
as for 2: an N+1 query fails here."""

from typing import Any

import pytest
from django.test import Client

from tests.core.list_endpoints import CASES, ListCase

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_query_count_does_not_grow_with_the_list(
    case: ListCase, django_assert_max_num_queries: Any
) -> None:
    # Given a list with two rows, viewed once (session and content-type caches warm)
    listing = case.start()
    markers = [listing.grow(i) for i in range(SMALL)]
    client = Client()
    client.force_login(listing.viewer)
    assert client.get(listing.url, headers=listing.headers).status_code == 200
    with django_assert_max_num_queries(40) as small:
        response = client.get(listing.url, headers=listing.headers)
    assert response.status_code == 200

    # When it lists twelve
    markers += [listing.grow(i) for i in range(SMALL, LARGE)]

    # Then it shows every row with no more queries than for two
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(listing.url, headers=listing.headers)
    body = response.content.decode()
    assert response.status_code == 200
    assert all(marker in body for marker in markers), [m for m in markers if m not in body]
