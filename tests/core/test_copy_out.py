"""COPY rows read straight from libpq: all of them, or stopped early, or a failed statement; the
connection takes the next query every time."""

import pytest
from django.db import DatabaseError, connection, transaction

from apps.core.copy_out import copy_rows

pytestmark = pytest.mark.django_db

SERIES = "COPY (SELECT g, 'a\\b' FROM generate_series(1, 5000) AS g) TO STDOUT"


def _next_query_works() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 41 + 1")
        return cursor.fetchone() == (42,)


def test_every_row_as_copy_sends_it() -> None:
    rows = [bytes(row) for row in copy_rows(SERIES)]
    assert len(rows) == 5000
    assert rows[0] == b"1\ta\\\\b\n" and rows[-1] == b"5000\ta\\\\b\n"
    assert _next_query_works()


def test_stopping_early_leaves_the_connection_usable() -> None:
    rows = copy_rows(SERIES)
    assert bytes(next(rows)) == b"1\ta\\\\b\n"
    rows.close()  # what Django does when the client goes away mid-download
    assert _next_query_works()


def test_a_failing_statement_raises() -> None:
    with pytest.raises(DatabaseError, match="no_such_table"), transaction.atomic():
        list(copy_rows("COPY (SELECT * FROM no_such_table) TO STDOUT"))
    assert _next_query_works()
