"""The chain funnel on real pages and orders: identity stitching, the form beacon, and the paid
step matching the chain's paid orders; the nightly snapshot matching the on-request answer."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.analytics.models import Event, FunnelSnapshot, PersonAlias
from apps.chains.services import chain_order_place
from apps.orders.models import Order
from apps.orders.services import order_complete, order_mark_paid, order_mark_ready
from apps.reports.definitions import (
    FunnelKind,
    Scope,
    ScopeKind,
    builtin_funnel_run,
    chain_steps,
)
from apps.reports.figures import chain_paid_orders
from apps.reports.funnel import FunnelQuery, funnel_run
from apps.reports.services import funnel_snapshot_compute, funnel_snapshots_compute
from tests.chains.factories import ChainSetup, open_chain

pytestmark = pytest.mark.django_db


def visit_and_order(
    client: Client, setup: ChainSetup, phone: str, *, start_form: bool = True
) -> Order:
    page = client.get(f"/c/{setup.chain.slug}/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token
    if start_form:
        assert client.post(f"/analytics/form-started/{setup.chain.slug}/").status_code == 204
    response = client.post(
        f"/c/{setup.chain.slug}/",
        {
            "contact_name": "王小明",
            "contact_phone": phone,
            "pickup_point": setup.pickup_points[0].pk,
            "token": token.group(1),
            f"qty_{setup.items[0].pk}": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Order.objects.filter(contact_phone=phone.replace(" ", "")).latest("pk")


def today_funnel(setup: ChainSetup, dropoffs: int = 0) -> list[int]:
    today = timezone.localdate()
    return builtin_funnel_run(
        kind=FunnelKind.CHAIN,
        scope=Scope(ScopeKind.CHAIN, setup.chain.pk),
        date_from=today,
        date_to=today,
        dropoff_limit=dropoffs,
    ).counts()


def test_one_member_is_followed_from_the_view_to_the_pickup() -> None:
    setup = open_chain()
    client = Client()
    order = visit_and_order(client, setup, "13800138001")
    visitor = Event.objects.get(name="chain_viewed").distinct_id
    assert visitor.startswith("v:")
    # The page recorded that this browser is the phone the order carries.
    assert PersonAlias.objects.get(distinct_id=visitor).person_id == "phone:13800138001"
    assert Event.objects.get(name="chain_form_started").distinct_id == visitor

    assert today_funnel(setup) == [1, 1, 1, 0, 0]
    order_mark_paid(order=order, actor=setup.leader)
    order_mark_ready(order=order, actor=setup.leader)
    order_complete(order=order, actor=setup.leader)
    assert today_funnel(setup) == [1, 1, 1, 1, 1]


def test_the_paid_step_equals_the_chains_paid_orders_over_the_same_range() -> None:
    setup = open_chain()
    other = open_chain()
    orders = [visit_and_order(Client(), setup, f"1380013{n:04d}") for n in range(5)]
    for _ in range(4):  # visitors who looked and left
        Client().get(f"/c/{setup.chain.slug}/")
    # An order on another chain, paid, must not count here.
    order_mark_paid(order=visit_and_order(Client(), other, "13900000000"), actor=other.leader)
    for order in orders[:3]:
        order_mark_paid(order=order, actor=setup.leader)

    today = timezone.localdate()
    counts = today_funnel(setup)
    assert counts[:4] == [9, 5, 5, 3]
    assert counts[3] == chain_paid_orders(chain_id=setup.chain.pk, date_from=today, date_to=today)
    assert chain_paid_orders(chain_id=setup.chain.pk, date_from=today, date_to=today) == 3
    # A range that ends yesterday has none of today's payments, on either side.
    yesterday = today - dt.timedelta(days=1)
    before = builtin_funnel_run(
        kind=FunnelKind.CHAIN,
        scope=Scope(ScopeKind.CHAIN, setup.chain.pk),
        date_from=yesterday,
        date_to=yesterday,
    )
    assert (
        before.counts()[3]
        == 0
        == chain_paid_orders(chain_id=setup.chain.pk, date_from=yesterday, date_to=yesterday)
    )


def test_orders_placed_without_the_page_still_belong_to_the_chain() -> None:
    """An order the leader enters (or a bot places through the API) has no page view before it,
    but its order events are matched to its chain through the chain's entries all the same."""
    setup = open_chain()
    other = open_chain()
    entry = chain_order_place(
        chain=setup.chain,
        buyer=None,
        contact_name="张三",
        contact_phone="13700000001",
        quantities={setup.items[0].pk: 1},
        pickup_point=setup.pickup_points[0],
        submission_token="leader-typed-1",
    )
    order_mark_paid(order=entry.order, actor=setup.leader)
    today = timezone.localdate()

    def placed_then_paid(chain_id: int) -> list[int]:
        steps = chain_steps(Scope(ScopeKind.CHAIN, chain_id))[2:4]
        query = FunnelQuery(
            steps=steps, date_from=today, date_to=today, window=dt.timedelta(days=3)
        )
        return funnel_run(query).counts()

    assert placed_then_paid(setup.chain.pk) == [1, 1]
    assert placed_then_paid(other.chain.pk) == [0, 0]


def test_dropoffs_name_who_stopped_and_never_a_buyer() -> None:
    setup = open_chain()
    visit_and_order(Client(), setup, "13800138001")
    Client().get(f"/c/{setup.chain.slug}/")
    today = timezone.localdate()
    result = builtin_funnel_run(
        kind=FunnelKind.CHAIN,
        scope=Scope(ScopeKind.CHAIN, setup.chain.pk),
        date_from=today,
        date_to=today,
        dropoff_limit=10,
    )
    assert len(result.steps[0].dropoffs) == 1
    assert result.steps[0].dropoffs[0].startswith("v:")
    assert result.steps[2].dropoffs == ["phone:13800138001"]  # placed, not paid yet


def test_form_started_beacon_is_csrf_checked_rate_limited_and_404_for_unknown_chains(
    settings: object,
) -> None:
    setup = open_chain()
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(f"/c/{setup.chain.slug}/").content.decode()
    assert f'data-started-url="/analytics/form-started/{setup.chain.slug}/"' in page
    assert strict.post(f"/analytics/form-started/{setup.chain.slug}/").status_code == 403
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf
    response = strict.post(
        f"/analytics/form-started/{setup.chain.slug}/", {"csrfmiddlewaretoken": csrf.group(1)}
    )
    assert response.status_code == 204
    assert Event.objects.filter(name="chain_form_started").count() == 1
    assert Client().post("/analytics/form-started/nope/").status_code == 404
    assert Client().get(f"/analytics/form-started/{setup.chain.slug}/").status_code == 405

    settings.RATE_LIMITS = {"analytics-form-started": (2, 60)}  # type: ignore[attr-defined]
    from django.core.cache import cache

    cache.clear()
    flood = Client()
    for _ in range(5):
        assert flood.post(f"/analytics/form-started/{setup.chain.slug}/").status_code == 204
    assert Event.objects.filter(name="chain_form_started").count() == 3  # 1 + the 2 allowed


def test_the_nightly_snapshot_gives_the_same_numbers_as_on_request() -> None:
    setup = open_chain()
    for n in range(3):
        order = visit_and_order(Client(), setup, f"1360000{n:04d}")
        if n:
            order_mark_paid(order=order, actor=setup.leader)
    Client().get(f"/c/{setup.chain.slug}/")
    today = timezone.localdate()

    assert funnel_snapshots_compute(days=[today]) >= 1
    snapshot = FunnelSnapshot.objects.get(
        funnel=FunnelKind.CHAIN, scope=ScopeKind.CHAIN, scope_id=setup.chain.pk, day=today
    )
    on_request = builtin_funnel_run(
        kind=FunnelKind.CHAIN,
        scope=Scope(ScopeKind.CHAIN, setup.chain.pk),
        date_from=today,
        date_to=today,
    )
    assert snapshot.counts == on_request.counts() == [4, 3, 3, 2, 0]
    assert snapshot.median_seconds == on_request.medians()
    # Idempotent: a second run rewrites the same row with the same numbers.
    again = funnel_snapshot_compute(
        kind=FunnelKind.CHAIN, scope=Scope(ScopeKind.CHAIN, setup.chain.pk), day=today
    )
    assert again.pk == snapshot.pk and again.counts == snapshot.counts


def test_the_snapshot_task_is_scheduled_by_beat() -> None:
    from django_celery_beat.models import PeriodicTask

    from apps.reports.tasks import compute_funnel_snapshots

    assert PeriodicTask.objects.filter(task="analytics.funnel_snapshots").exists()
    open_chain()
    assert compute_funnel_snapshots.delay().get() >= 2  # yesterday and today
