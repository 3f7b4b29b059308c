"""Schemathesis: every operation of /api/schema/, called with generated input (valid and
invalid) by a logged-in leader over token authentication against the WSGI app.

Whatever comes in, the API answers without a 5xx, with a status code the schema documents and
a body that matches it. Examples are few and derandomized so the run is short and repeatable;
the leader owns a community, an open chain with orders, a course and a membership plan so the
generated ids sometimes hit real rows, and the input is otherwise what Hypothesis makes up.
"""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.chains.services import chain_order_place
from apps.courses import services as courses
from apps.memberships import services as memberships
from apps.memberships.models import Period
from tests.chains.factories import open_chain

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """As Django's test client does: a finished request must not close the test's database
    connection (its transaction holds the data and is rolled back after the test)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def leader_token(keep_test_connection: None) -> Iterator[str]:
    setup = open_chain(caps=(20, 20))
    for n in range(3):
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name=f"顾客{n}",
            contact_phone=f"1390000{n:04d}",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token=f"schemathesis-{n}",
        )
    courses.course_create(
        actor=setup.leader,
        community=setup.community,
        merchant=None,
        seats=10,
        details=courses.CourseDetails(
            title="燃脂训练营", description="", instructor_name="李教练", price=Decimal("399.00")
        ),
    )
    memberships.plan_create(
        community=setup.community,
        actor=setup.leader,
        period=Period.MONTH,
        terms=memberships.PlanTerms(
            name="月度会员",
            price=Decimal("19.90"),
            benefits="",
            trial_days=0,
            monthly_coupon=None,
            active=True,
        ),
    )
    yield Token.objects.create(user=setup.leader).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, leader_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {leader_token}"}, checks=CHECKS)
