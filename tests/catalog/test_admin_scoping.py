"""Merchant staff see and change only their own merchant's catalogue in the admin: in lists,
search, filters, typed URLs, imports and exports. Operations and superusers see everything.

Django's admin answers an object outside `get_queryset()` as if it did not exist: a redirect to the
admin index with a "doesn't exist" warning, never the object.
"""

from dataclasses import dataclass
from typing import Any

import pytest
import tablib
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.catalog.models import SKU, Merchant, Product
from apps.catalog.resources import ProductResource
from tests.accounts.factories import UserFactory, staff_user
from tests.catalog.factories import MerchantFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db


@dataclass
class TwoMerchants:
    staff_a: User
    merchant_a: Merchant
    merchant_b: Merchant
    product_a: Product
    product_b: Product
    sku_a: SKU
    sku_b: SKU


@pytest.fixture
def shops() -> TwoMerchants:
    merchant_a = MerchantFactory(name="甲记果行")
    merchant_b = MerchantFactory(name="乙家粮油")
    staff_a = staff_user("merchant_staff")
    merchant_a.staff.add(staff_a)
    product_a = ProductFactory(merchant=merchant_a, title="甲记红富士")
    product_b = ProductFactory(merchant=merchant_b, title="乙家东北大米")
    return TwoMerchants(
        staff_a=staff_a,
        merchant_a=merchant_a,
        merchant_b=merchant_b,
        product_a=product_a,
        product_b=product_b,
        sku_a=SKUFactory(product=product_a, code="JIA-001", spec="5斤装"),
        sku_b=SKUFactory(product=product_b, code="YI-001", spec="10斤装"),
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed_pks(response: HttpResponse) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}  # type: ignore[attr-defined]


def admin_url(model: type[Product] | type[SKU] | type[Merchant], view: str, *args: Any) -> str:
    return reverse(f"admin:catalog_{model._meta.model_name}_{view}", args=args)


def assert_treated_as_missing(response: HttpResponse) -> None:
    """What Django's admin does for a pk outside get_queryset(): index redirect plus a warning."""
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    warnings = [str(m) for m in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]
    assert any("不存在" in w or "doesn’t exist" in w for w in warnings), warnings


# --- lists, search and filters ----------------------------------------------------------------


def test_merchant_staff_change_lists_show_only_their_own_rows(shops: TwoMerchants) -> None:
    client = logged_in(shops.staff_a)

    assert listed_pks(client.get(admin_url(Product, "changelist"))) == {shops.product_a.pk}
    assert listed_pks(client.get(admin_url(SKU, "changelist"))) == {shops.sku_a.pk}
    assert listed_pks(client.get(admin_url(Merchant, "changelist"))) == {shops.merchant_a.pk}


def test_merchant_staff_product_list_never_names_the_other_merchant(shops: TwoMerchants) -> None:
    page = logged_in(shops.staff_a).get(admin_url(Product, "changelist")).content.decode()

    # neither in the rows nor in the merchant filter's choices
    assert "甲记果行" in page
    assert "乙家粮油" not in page
    assert "乙家东北大米" not in page


@pytest.mark.parametrize("query", ["乙家东北大米", "大米", "YI-001"])
def test_search_cannot_reveal_another_merchants_products(shops: TwoMerchants, query: str) -> None:
    client = logged_in(shops.staff_a)

    assert listed_pks(client.get(admin_url(Product, "changelist"), {"q": query})) == set()
    assert listed_pks(client.get(admin_url(SKU, "changelist"), {"q": query})) == set()


def test_filtering_by_another_merchant_shows_nothing(shops: TwoMerchants) -> None:
    client = logged_in(shops.staff_a)
    other = str(shops.merchant_b.pk)

    products = client.get(admin_url(Product, "changelist"), {"merchant__id__exact": other})
    skus = client.get(admin_url(SKU, "changelist"), {"product__merchant__id__exact": other})

    # A filter over merchants the user cannot see is dropped, never applied to B's rows.
    assert shops.product_b.pk not in listed_pks(products)
    assert shops.sku_b.pk not in listed_pks(skus)


# --- typed URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_typed_urls_to_another_merchants_rows_answer_as_missing(
    shops: TwoMerchants, view: str
) -> None:
    client = logged_in(shops.staff_a)

    assert_treated_as_missing(client.get(admin_url(Product, view, shops.product_b.pk)))
    assert_treated_as_missing(client.get(admin_url(SKU, view, shops.sku_b.pk)))
    if view != "delete":  # staff may not delete merchants at all: 403 before any lookup
        assert_treated_as_missing(client.get(admin_url(Merchant, view, shops.merchant_b.pk)))


def test_staff_may_not_delete_merchants_not_even_their_own(shops: TwoMerchants) -> None:
    client = logged_in(shops.staff_a)

    assert client.get(admin_url(Merchant, "delete", shops.merchant_a.pk)).status_code == 403
    assert client.get(admin_url(Merchant, "delete", shops.merchant_b.pk)).status_code == 403


def test_the_same_urls_open_the_staffs_own_rows(shops: TwoMerchants) -> None:
    client = logged_in(shops.staff_a)

    assert client.get(admin_url(Product, "change", shops.product_a.pk)).status_code == 200
    assert client.get(admin_url(SKU, "change", shops.sku_a.pk)).status_code == 200


def test_posting_a_change_to_another_merchants_product_changes_nothing(
    shops: TwoMerchants,
) -> None:
    response = logged_in(shops.staff_a).post(
        admin_url(Product, "change", shops.product_b.pk),
        {
            "merchant": shops.merchant_a.pk,
            "title": "被篡改",
            "kind": Product.Kind.GOODS,
            "active": "on",
            "skus-TOTAL_FORMS": "0",
            "skus-INITIAL_FORMS": "0",
        },
    )

    assert_treated_as_missing(response)
    shops.product_b.refresh_from_db()
    assert shops.product_b.title == "乙家东北大米"
    assert shops.product_b.merchant_id == shops.merchant_b.pk


def test_posting_a_change_to_another_merchants_sku_changes_nothing(shops: TwoMerchants) -> None:
    response = logged_in(shops.staff_a).post(
        admin_url(SKU, "change", shops.sku_b.pk),
        {
            "product": shops.product_a.pk,
            "spec": "被篡改",
            "price": "0.01",
            "code": "YI-001",
            "active": "on",
            "stock_change": "-100",
        },
    )

    assert_treated_as_missing(response)
    shops.sku_b.refresh_from_db()
    assert (shops.sku_b.spec, shops.sku_b.stock) == ("10斤装", 100)
    assert shops.sku_b.product_id == shops.product_b.pk


def test_confirming_a_delete_of_another_merchants_rows_deletes_nothing(
    shops: TwoMerchants,
) -> None:
    client = logged_in(shops.staff_a)

    assert_treated_as_missing(
        client.post(admin_url(SKU, "delete", shops.sku_b.pk), {"post": "yes"})
    )
    assert_treated_as_missing(
        client.post(admin_url(Product, "delete", shops.product_b.pk), {"post": "yes"})
    )

    assert SKU.objects.filter(pk=shops.sku_b.pk).exists()
    assert Product.objects.filter(pk=shops.product_b.pk).exists()


def test_bulk_delete_action_cannot_reach_another_merchants_products(shops: TwoMerchants) -> None:
    logged_in(shops.staff_a).post(
        admin_url(Product, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [shops.product_b.pk],
            "post": "yes",
        },
    )

    assert Product.objects.filter(pk=shops.product_b.pk).exists()


def test_staff_cannot_create_a_product_for_another_merchant(shops: TwoMerchants) -> None:
    response = logged_in(shops.staff_a).post(
        admin_url(Product, "add"),
        {
            "merchant": shops.merchant_b.pk,
            "title": "冒名商品",
            "kind": Product.Kind.GOODS,
            "active": "on",
            "skus-TOTAL_FORMS": "0",
            "skus-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200  # the form comes back with its error
    assert "merchant" in response.context["adminform"].form.errors
    assert not Product.objects.filter(title="冒名商品").exists()


def test_staff_cannot_add_a_sku_to_another_merchants_product(shops: TwoMerchants) -> None:
    response = logged_in(shops.staff_a).post(
        admin_url(SKU, "add"),
        {
            "product": shops.product_b.pk,
            "spec": "冒名规格",
            "price": "9.90",
            "code": "FAKE-1",
            "active": "on",
            "stock_change": "10",
        },
    )

    assert response.status_code == 200
    assert "product" in response.context["adminform"].form.errors
    assert not SKU.objects.filter(code="FAKE-1").exists()


# --- export -----------------------------------------------------------------------------------


def format_index(formats: list[Any], title: str) -> int:
    return [fmt().get_title() for fmt in formats].index(title)


def exported_csv(client: Client, **filters: str) -> tablib.Dataset:
    model_admin = admin.site._registry[Product]
    url = admin_url(Product, "export")
    if filters:
        url += "?" + "&".join(f"{k}={v}" for k, v in filters.items())
    response = client.post(
        url,
        {
            "format": format_index(model_admin.get_export_formats(), "csv"),  # type: ignore[attr-defined]
            "resource": "0",
            **{f"productresource_{name}": "on" for name in ProductResource().get_export_order()},
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    return tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")


def test_export_contains_only_the_staffs_own_products(shops: TwoMerchants) -> None:
    rows = exported_csv(logged_in(shops.staff_a))

    assert rows["title"] == ["甲记红富士"]
    assert set(rows["merchant"]) == {"甲记果行"}


def test_export_filtered_to_another_merchant_still_holds_none_of_its_products(
    shops: TwoMerchants,
) -> None:
    rows = exported_csv(logged_in(shops.staff_a), merchant__id__exact=str(shops.merchant_b.pk))

    assert "乙家东北大米" not in rows["title"]
    assert "乙家粮油" not in rows["merchant"]


# --- import -----------------------------------------------------------------------------------


def product_csv(*rows: dict[str, object]) -> bytes:
    headers = ["id", "merchant", "title", "description", "kind", "active"]
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append([row.get(h, "") for h in headers])
    return dataset.export("csv").encode()


def import_dry_run(client: Client, content: bytes) -> HttpResponse:
    model_admin = admin.site._registry[Product]
    response: HttpResponse = client.post(
        admin_url(Product, "import"),
        {
            "resource": "0",
            "format": format_index(model_admin.get_import_formats(), "csv"),  # type: ignore[attr-defined]
            "import_file": SimpleUploadedFile("products.csv", content, "text/csv"),
        },
    )
    assert response.status_code == 200
    return response


def import_through_admin(client: Client, content: bytes) -> HttpResponse:
    """Upload (dry run) and, when the admin offers it, confirm."""
    preview = import_dry_run(client, content)
    confirm_form = preview.context.get("confirm_form")  # type: ignore[attr-defined]
    if confirm_form is None:
        return preview
    return client.post(admin_url(Product, "process_import"), confirm_form.initial)  # type: ignore[no-any-return]


def catalogue_snapshot() -> list[tuple[Any, ...]]:
    return list(Product.objects.order_by("pk").values_list("pk", "merchant_id", "title", "active"))


def test_staff_import_creates_and_updates_their_own_products(shops: TwoMerchants) -> None:
    client = logged_in(shops.staff_a)
    content = product_csv(
        {"merchant": "甲记果行", "title": "甲记砂糖橘", "kind": "goods", "active": "1"},
        {
            "id": shops.product_a.pk,
            "merchant": "甲记果行",
            "title": "甲记红富士（新季）",
            "kind": "goods",
            "active": "1",
        },
    )

    response = import_through_admin(client, content)

    assert response.status_code == 302
    assert Product.objects.get(title="甲记砂糖橘").merchant == shops.merchant_a
    shops.product_a.refresh_from_db()
    assert shops.product_a.title == "甲记红富士（新季）"


def test_import_naming_another_merchant_is_refused_and_changes_nothing(
    shops: TwoMerchants,
) -> None:
    before = catalogue_snapshot()
    content = product_csv(
        {"merchant": "甲记果行", "title": "甲记新品", "kind": "goods", "active": "1"},
        {"merchant": "乙家粮油", "title": "冒名大米", "kind": "goods", "active": "1"},
    )

    preview = import_through_admin(logged_in(shops.staff_a), content)

    result = preview.context["result"]  # type: ignore[attr-defined]
    assert result.has_errors() or result.has_validation_errors()
    assert preview.context.get("confirm_form") is None  # type: ignore[attr-defined]
    assert catalogue_snapshot() == before


def test_import_with_the_id_of_another_merchants_product_is_refused_and_changes_nothing(
    shops: TwoMerchants,
) -> None:
    before = catalogue_snapshot()
    content = product_csv(
        {
            "id": shops.product_b.pk,
            "merchant": "甲记果行",
            "title": "抢来的大米",
            "kind": "goods",
            "active": "0",
        }
    )

    preview = import_through_admin(logged_in(shops.staff_a), content)

    result = preview.context["result"]  # type: ignore[attr-defined]
    assert result.has_errors() or result.has_validation_errors()
    assert catalogue_snapshot() == before


@pytest.mark.parametrize(
    "row",
    [
        {"merchant": "乙家粮油", "title": "冒名大米", "kind": "goods", "active": "1"},
        {"id": "PRODUCT_B", "merchant": "甲记果行", "title": "抢来的大米", "active": "0"},
        {"id": "PRODUCT_B", "merchant": "乙家粮油", "title": "改掉的大米", "active": "0"},
    ],
)
def test_confirmed_import_of_foreign_rows_is_rolled_back(
    shops: TwoMerchants, row: dict[str, object]
) -> None:
    # Given a file mixing a good row with one that touches merchant B
    if row.get("id") == "PRODUCT_B":
        row = {**row, "id": shops.product_b.pk, "kind": "goods"}
    dataset = tablib.Dataset().load(
        product_csv({"merchant": "甲记果行", "title": "甲记新品", "kind": "goods"}, row).decode(),
        format="csv",
    )
    before = catalogue_snapshot()

    # When the import runs for real, as the admin's confirm step runs it
    model_admin = admin.site._registry[Product]
    result = ProductResource(user=shops.staff_a).import_data(
        dataset,
        dry_run=False,
        raise_errors=False,
        user=shops.staff_a,
        **model_admin.get_import_data_kwargs(),  # type: ignore[attr-defined]
    )

    # Then the row is refused and the whole file changed nothing
    assert result.has_errors() or result.has_validation_errors()
    assert catalogue_snapshot() == before


def test_confirmed_import_is_all_or_nothing_when_a_row_turned_foreign_after_the_preview(
    shops: TwoMerchants,
) -> None:
    # Given staff of two merchants whose file previews cleanly
    merchant_c = MerchantFactory(name="丙氏蔬菜")
    merchant_c.staff.add(shops.staff_a)
    client = logged_in(shops.staff_a)
    preview = import_dry_run(
        client,
        product_csv(
            {"merchant": "甲记果行", "title": "甲记新品", "kind": "goods", "active": "1"},
            {"merchant": "丙氏蔬菜", "title": "丙氏新品", "kind": "goods", "active": "1"},
        ),
    )
    confirm_form = preview.context["confirm_form"]  # type: ignore[attr-defined]
    before = catalogue_snapshot()

    # When they are taken off one merchant before confirming
    merchant_c.staff.remove(shops.staff_a)
    client.post(admin_url(Product, "process_import"), confirm_form.initial)

    # Then not even the still-valid row was imported
    assert catalogue_snapshot() == before


# --- roles that see everything ----------------------------------------------------------------


def test_operations_see_every_merchants_rows_but_cannot_change_them(shops: TwoMerchants) -> None:
    client = logged_in(staff_user("operations"))

    assert listed_pks(client.get(admin_url(Product, "changelist"))) == {
        shops.product_a.pk,
        shops.product_b.pk,
    }
    assert listed_pks(client.get(admin_url(SKU, "changelist"))) == {shops.sku_a.pk, shops.sku_b.pk}
    assert client.get(admin_url(Product, "change", shops.product_b.pk)).status_code == 200
    response = client.post(
        admin_url(Product, "change", shops.product_b.pk),
        {"merchant": shops.merchant_b.pk, "title": "运营改的", "kind": "goods"},
    )
    assert response.status_code == 403
    shops.product_b.refresh_from_db()
    assert shops.product_b.title == "乙家东北大米"


def test_operations_cannot_import_products(shops: TwoMerchants) -> None:
    client = logged_in(staff_user("operations"))
    before = catalogue_snapshot()
    content = product_csv(
        {"id": shops.product_b.pk, "merchant": "乙家粮油", "title": "运营改的", "kind": "goods"}
    )

    response = client.post(
        admin_url(Product, "import"),
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("p.csv", content)},
    )

    assert response.status_code == 403
    assert catalogue_snapshot() == before


def test_operations_can_export_every_merchants_products(shops: TwoMerchants) -> None:
    rows = exported_csv(logged_in(staff_user("operations")))

    assert sorted(rows["title"]) == sorted(["甲记红富士", "乙家东北大米"])


def test_superuser_sees_every_merchants_rows(shops: TwoMerchants) -> None:
    client = logged_in(UserFactory(is_staff=True, is_superuser=True))

    assert listed_pks(client.get(admin_url(Product, "changelist"))) == {
        shops.product_a.pk,
        shops.product_b.pk,
    }
    assert client.get(admin_url(SKU, "change", shops.sku_b.pk)).status_code == 200


def test_staff_of_no_merchant_see_an_empty_catalogue(shops: TwoMerchants) -> None:
    client = logged_in(staff_user("merchant_staff"))

    assert listed_pks(client.get(admin_url(Product, "changelist"))) == set()
    assert_treated_as_missing(client.get(admin_url(Product, "change", shops.product_a.pk)))
