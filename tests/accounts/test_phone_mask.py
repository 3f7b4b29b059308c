"""One phone mask, written twice: in Python (pages, API) and in SQL (exports PostgreSQL writes).
They drifted apart once (a short number shown whole in the CSV); here they must agree."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from apps.accounts.phone import MASK_PHONE_SQL, mask_phone

pytestmark = pytest.mark.django_db


def masked_by_postgresql(phone: str) -> str:
    uses = MASK_PHONE_SQL.count("%(expressions)s")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + MASK_PHONE_SQL % {"expressions": "%s::text"},
            [phone] * uses,
        )
        (masked,) = cursor.fetchone()
    return masked


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(phone=st.text(alphabet="0123456789+-* 一١", max_size=16))
@example(phone="")
@example(phone="123456")
@example(phone="1380013")
@example(phone="13800138000")
@example(phone="+8613800138000")
def test_python_and_sql_mask_every_phone_alike(phone: str) -> None:
    assert masked_by_postgresql(phone) == mask_phone(phone)


def test_the_mask_hides_the_middle_and_stars_a_short_number() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("12345") == "*****"
