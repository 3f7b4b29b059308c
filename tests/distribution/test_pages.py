"""Attribution through the chain page, the distributor's and finance's pages, exports, API."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from apps.distribution import exports, selectors, services
from apps.distribution.models import CommissionEntry, Distributor
from apps.orders.models import Order
from apps.orders.services import order_refund
from tests.accounts.factories import UserFactory, staff_user
from tests.catalog.factories import MerchantFactory
from tests.chains.test_pages import form_token, order_data
from tests.distribution.factories import approved, dist_setup, paid

pytestmark = pytest.mark.django_db


def _order_via_page(client: Client, setup: Any, query: str = "") -> Order:
    token = form_token(client, setup)
    response = client.post(f"/c/{setup.chain.slug}/{query}", order_data(setup, token))
    assert response.status_code == 302
    return Order.objects.latest("pk")


def test_ref_link_is_remembered_and_last_click_wins() -> None:
    setup = dist_setup()
    other = approved(UserFactory(), community=setup.chain.community)
    client = Client()
    client.get(f"/c/{setup.chain.chain.slug}/?ref={setup.distributor.code}")
    assert "tg_ref" in client.cookies
    assert _order_via_page(client, setup.chain).referral_code == setup.distributor.code
    client.get(f"/?ref={other.code}")
    client.get(
        f"/c/{setup.chain.chain.slug}/?ref=not-a-distributor"
    )  # unknown codes change nothing
    assert _order_via_page(client, setup.chain).referral_code == other.code


def test_attribution_expires_after_the_window(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    import time

    settings.DISTRIBUTION_ATTRIBUTION_DAYS = 7
    setup = dist_setup()
    client = Client()
    client.get(f"/c/{setup.chain.chain.slug}/?ref={setup.distributor.code}")
    real = time.time
    monkeypatch.setattr("django.core.signing.time.time", lambda: real() + 8 * 24 * 3600)
    assert _order_via_page(client, setup.chain).referral_code == ""


def test_distributor_page_shows_link_qr_team_and_earnings() -> None:
    setup = dist_setup()
    paid(setup.chain, code=setup.distributor.code, quantity=2)
    client = Client()
    client.force_login(setup.parent.user)
    page = client.get("/distribution/").content.decode()
    assert f"?ref={setup.parent.code}" in page
    assert setup.distributor.user.shown_name in page  # the team
    assert "2.99" in page  # level-2 commission: 5% of 59.80
    qr = client.get(f"/distribution/qr/{setup.parent.code}.svg")
    assert qr.status_code == 200 and b"<svg" in qr.content
    assert client.get(f"/distribution/qr/{setup.distributor.code}.svg").status_code == 404


def test_apply_page_and_leader_approves() -> None:
    setup = dist_setup()
    member = UserFactory()
    from apps.communities.models import Membership

    Membership.objects.create(community=setup.chain.community, user=member)
    client = Client()
    client.force_login(member)
    client.post("/distribution/", {"community": setup.chain.community.pk, "note": "宝妈"})
    applied = Distributor.objects.get(user=member)
    assert applied.status == Distributor.Status.APPLIED
    assert (
        client.post(f"/leader/distributors/{applied.pk}/", {"action": "approve"}).status_code == 404
    )
    leader = Client()
    leader.force_login(setup.chain.leader)
    leader.post(f"/leader/distributors/{applied.pk}/", {"action": "approve"})
    applied.refresh_from_db()
    assert applied.status == Distributor.Status.APPROVED


def _evil_setup() -> Any:
    setup = dist_setup()
    user = setup.distributor.user
    user.display_name = '=HYPERLINK("http://x")'
    user.phone = "13912345678"
    user.save(update_fields=["display_name", "phone"])
    order = paid(setup.chain, code=setup.distributor.code, quantity=2)
    order_refund(
        order=order, actor=setup.chain.leader, reason="坏果", quantities={order.lines.get().pk: 1}
    )
    services.commission_adjust(
        beneficiary=user,
        amount=Decimal("1"),
        reason="+cmd|' /C calc'!A0",
        actor=staff_user("finance"),
    )
    return setup


def test_finance_csv_is_streamed_masked_and_escaped() -> None:
    _evil_setup()
    client = Client()
    client.force_login(staff_user("finance"))
    response = client.get("/finance/distribution/?export=csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "时间"
    assert len(rows) == 6  # header, two accruals, two reversals, an adjustment
    body = text
    assert "13912345678" not in body and "139****5678" in body
    assert "'=HYPERLINK" in body and "\n=" not in body and ",=" not in body
    assert rows[-1][10] == "'+cmd|' /C calc'!A0"


def test_finance_xlsx_escaped_and_split_across_sheets() -> None:
    _evil_setup()
    finance = staff_user("finance")
    entries = selectors.report_order_detail(finance, selectors.ReportFilters())
    response = exports.commission_xlsx(entries, "t", sheet_rows=3)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    assert len(workbook.worksheets) == 2
    cells = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert "139****5678" in cells and "13912345678" not in cells
    assert not any(cell.startswith(("=", "@", "+")) for cell in cells)


def test_finance_report_page_and_permissions() -> None:
    setup = _evil_setup()
    finance = Client()
    finance.force_login(staff_user("finance"))
    page = finance.get("/finance/distribution/")
    assert page.status_code == 200 and "139****5678" in page.content.decode()
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get("/finance/distribution/").status_code == 403
    assert stranger.post("/finance/distribution/batches/", {}).status_code == 403
    assert setup


def test_api_scopes_entries_to_distributor_merchant_and_finance() -> None:
    setup = dist_setup()
    paid(setup.chain, code=setup.distributor.code, quantity=2)
    merchant = setup.chain.skus[0].product.merchant
    seller = approved(UserFactory(), merchant=merchant)
    paid(setup.chain, code=seller.code, quantity=1)
    other_merchant_staff = UserFactory()
    MerchantFactory().staff.add(other_merchant_staff)
    merchant_staff = UserFactory()
    merchant.staff.add(merchant_staff)

    def ids(user: Any) -> set[int]:
        api = APIClient()
        api.force_authenticate(user)
        response = api.get("/api/v1/distribution/entries/")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    mine = set(
        CommissionEntry.objects.filter(beneficiary=setup.distributor.user).values_list(
            "pk", flat=True
        )
    )
    assert ids(setup.distributor.user) == mine
    assert ids(merchant_staff) == set(
        CommissionEntry.objects.filter(distributor=seller).values_list("pk", flat=True)
    )
    assert ids(other_merchant_staff) == set()
    assert ids(staff_user("finance")) == set(CommissionEntry.objects.values_list("pk", flat=True))

    api = APIClient()
    api.force_authenticate(setup.distributor.user)
    foreign = CommissionEntry.objects.exclude(beneficiary=setup.distributor.user).first()
    assert foreign is not None
    assert api.get(f"/api/v1/distribution/entries/{foreign.pk}/").status_code == 404
    assert api.get("/api/v1/distribution/entries/report/").status_code == 403
    me = api.get("/api/v1/distribution/entries/me/").json()
    assert me["balance"]["pending"] == "5.98"
    finance = APIClient()
    finance.force_authenticate(staff_user("finance"))
    rows = finance.get("/api/v1/distribution/entries/report/").json()
    by_user = {row["beneficiary"]: row for row in rows}
    assert by_user[setup.distributor.user.pk]["accrued"] == "5.98"
    assert by_user[setup.distributor.user.pk]["sales"] == "59.80"


def test_batch_pages_review_pay_and_export(settings: Any) -> None:
    settings.DISTRIBUTION_MIN_PAYOUT = "1.00"
    from tests.distribution.factories import complete

    setup = dist_setup()
    complete(paid(setup.chain, code=setup.distributor.code, quantity=2), days_ago=30)
    client = Client()
    client.force_login(staff_user("finance"))
    response = client.post(
        "/finance/distribution/batches/", {"period_start": "2020-01-01", "period_end": "2030-01-01"}
    )
    assert response.status_code == 302
    url = response["Location"]
    client.post(url, {"action": "review"})
    client.post(url, {"action": "paid", "reference": "WX123"})
    csv_text = client.get(url + "?export=csv").content.decode("utf-8-sig")
    assert "5.98" in csv_text and "WX123" in csv_text
    assert selectors.balance_of(setup.distributor.user).available == Decimal("0.00")
    assert CommissionEntry.objects.filter(kind="payout").count() == 2


def test_filtered_csv_and_pinned_query_counts(django_assert_max_num_queries: Any) -> None:
    setup = _evil_setup()
    for _ in range(3):
        paid(setup.chain, code=setup.distributor.code)
    finance_user = staff_user("finance")
    client = Client()
    client.force_login(finance_user)
    response = client.get(
        "/finance/distribution/?export=csv&start=2020-01-01&end=2099-01-01&beneficiary=HYPER"
    )
    rows = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))  # type: ignore[arg-type]
    )
    assert len(rows) == 1 + 6  # the distributor's rows only: 4 accruals, a reversal, an adjustment
    api = APIClient()
    api.force_authenticate(finance_user)
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/distribution/entries/").status_code == 200
    with django_assert_max_num_queries(6):
        assert api.get("/api/v1/distribution/entries/report/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get("/finance/distribution/").status_code == 200
