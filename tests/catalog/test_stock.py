"""Every stock change leaves a StockMovement (who, how much, the stock after, why); stock never
goes below zero, whether through the services, the admin or a raw UPDATE."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse

from apps.catalog.models import SKU, StockMovement
from apps.catalog.services import StockChange, sku_create, sku_stock_adjust, stock_apply
from apps.core.errors import Conflict, InvalidInput
from tests.accounts.factories import UserFactory, staff_user
from tests.catalog.factories import MerchantFactory, ProductFactory, SKUFactory

pytestmark = pytest.mark.django_db

Reason = StockMovement.Reason


def stock_of(sku: SKU) -> int:
    return SKU.objects.values_list("stock", flat=True).get(pk=sku.pk)


# --- services ---------------------------------------------------------------------------------


def test_restock_adds_stock_and_records_who_how_much_and_why() -> None:
    # Given a SKU with 100 units and a staff member
    sku = SKUFactory(stock=100)
    clerk = UserFactory()

    # When 20 are added
    movement = sku_stock_adjust(
        sku=sku, delta=20, reason=Reason.RESTOCK, actor=clerk, note="周一到货", reference="PO-7"
    )

    # Then the SKU holds 120 and one movement tells the story
    assert sku.stock == 120
    assert stock_of(sku) == 120
    saved = StockMovement.objects.get(sku=sku)
    assert saved.pk == movement.pk
    assert (saved.delta, saved.stock_after, saved.reason) == (20, 120, Reason.RESTOCK)
    assert (saved.actor, saved.note, saved.reference) == (clerk, "周一到货", "PO-7")
    assert saved.created_at is not None


def test_removing_more_than_is_in_stock_is_a_conflict_and_changes_nothing() -> None:
    sku = SKUFactory(stock=5)

    with pytest.raises(Conflict) as error:
        sku_stock_adjust(sku=sku, delta=-6, reason=Reason.CORRECTION, actor=None)

    assert error.value.code == "out_of_stock"
    assert error.value.status == 409
    assert stock_of(sku) == 5
    assert not StockMovement.objects.filter(sku=sku).exists()


def test_stock_can_be_brought_to_exactly_zero() -> None:
    sku = SKUFactory(stock=5)

    movement = sku_stock_adjust(sku=sku, delta=-5, reason=Reason.CORRECTION, actor=None)

    assert movement.stock_after == 0
    assert stock_of(sku) == 0


def test_a_zero_change_is_refused() -> None:
    sku = SKUFactory(stock=5)

    with pytest.raises(InvalidInput):
        sku_stock_adjust(sku=sku, delta=0, reason=Reason.CORRECTION, actor=None)

    assert not StockMovement.objects.filter(sku=sku).exists()


def test_several_changes_apply_all_or_nothing() -> None:
    # Given two SKUs, the second nearly sold out
    plenty, scarce = SKUFactory(stock=10), SKUFactory(stock=1)

    # When an order takes 3 of the first and 2 of the second
    with pytest.raises(Conflict):
        stock_apply(
            changes=[
                StockChange(sku_id=plenty.pk, delta=-3),
                StockChange(sku_id=scarce.pk, delta=-2),
            ],
            reason=Reason.ORDER,
            actor=None,
            reference="T0001",
        )

    # Then neither SKU moved and no movement was written
    assert (stock_of(plenty), stock_of(scarce)) == (10, 1)
    assert not StockMovement.objects.exists()


def test_several_changes_each_leave_a_movement_with_the_shared_reference() -> None:
    first, second = SKUFactory(stock=10), SKUFactory(stock=4)

    stock_apply(
        changes=[StockChange(sku_id=second.pk, delta=-4), StockChange(sku_id=first.pk, delta=-1)],
        reason=Reason.ORDER,
        actor=None,
        reference="T0002",
    )

    movements = {m.sku_id: m for m in StockMovement.objects.filter(reference="T0002")}
    assert (movements[first.pk].delta, movements[first.pk].stock_after) == (-1, 9)
    assert (movements[second.pk].delta, movements[second.pk].stock_after) == (-4, 0)
    assert {m.reason for m in movements.values()} == {Reason.ORDER}


def test_a_new_sku_records_its_initial_stock() -> None:
    creator = UserFactory()

    sku = sku_create(
        product=ProductFactory(),
        spec="2斤装",
        price=Decimal("19.90"),
        code="NEW-1",
        stock=30,
        actor=creator,
    )

    assert stock_of(sku) == 30
    movement = StockMovement.objects.get(sku=sku)
    assert (movement.delta, movement.stock_after, movement.reason, movement.actor) == (
        30,
        30,
        Reason.INITIAL,
        creator,
    )


# --- the database backs the rule --------------------------------------------------------------


def test_the_database_has_the_named_non_negative_stock_constraint() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, SKU._meta.db_table)

    assert constraints["sku_stock_not_negative"]["check"] is True


def test_the_database_rejects_negative_stock_even_from_a_raw_update() -> None:
    sku = SKUFactory(stock=3)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_sku SET stock = stock - 4 WHERE id = %s", [sku.pk])

    assert stock_of(sku) == 3


# --- the admin's stock field ------------------------------------------------------------------


@pytest.fixture
def clerk_and_sku() -> tuple[Any, SKU]:
    merchant = MerchantFactory()
    clerk = staff_user("merchant_staff")
    merchant.staff.add(clerk)
    return clerk, SKUFactory(product=ProductFactory(merchant=merchant), stock=100, code="ADM-1")


def sku_form(sku: SKU, **extra: str) -> dict[str, Any]:
    return {
        "product": sku.product_id,
        "spec": sku.spec,
        "price": str(sku.price),
        "code": sku.code,
        "active": "on",
        **extra,
    }


def test_admin_stock_change_goes_through_a_movement_by_the_clerk(
    clerk_and_sku: tuple[Any, SKU],
) -> None:
    clerk, sku = clerk_and_sku
    client = Client()
    client.force_login(clerk)

    response = client.post(
        reverse("admin:catalog_sku_change", args=[sku.pk]),
        sku_form(sku, stock_change="-30", stock_reason=Reason.CORRECTION, stock_note="盘点少了"),
    )

    assert response.status_code == 302
    assert stock_of(sku) == 70
    movement = StockMovement.objects.get(sku=sku)
    assert (movement.delta, movement.stock_after, movement.reason) == (-30, 70, Reason.CORRECTION)
    assert (movement.actor, movement.note) == (clerk, "盘点少了")


def test_admin_refuses_a_stock_change_below_zero(clerk_and_sku: tuple[Any, SKU]) -> None:
    clerk, sku = clerk_and_sku
    client = Client()
    client.force_login(clerk)

    response = client.post(
        reverse("admin:catalog_sku_change", args=[sku.pk]),
        sku_form(sku, spec="改了规格", stock_change="-101"),
    )

    assert response.status_code == 200
    assert "stock_change" in response.context["adminform"].form.errors
    sku.refresh_from_db()
    assert (sku.stock, sku.spec) == (100, "5斤装")
    assert not StockMovement.objects.exists()


def test_admin_new_sku_stock_is_recorded_as_initial(clerk_and_sku: tuple[Any, SKU]) -> None:
    clerk, existing = clerk_and_sku
    client = Client()
    client.force_login(clerk)

    client.post(
        reverse("admin:catalog_sku_add"),
        {**sku_form(existing), "code": "ADM-2", "spec": "10斤装", "stock_change": "40"},
    )

    created = SKU.objects.get(code="ADM-2")
    assert created.stock == 40
    movement = StockMovement.objects.get(sku=created)
    assert (movement.delta, movement.reason, movement.actor) == (40, Reason.INITIAL, clerk)


def test_stock_is_not_a_form_field_so_it_cannot_be_typed_over(
    clerk_and_sku: tuple[Any, SKU],
) -> None:
    clerk, sku = clerk_and_sku
    client = Client()
    client.force_login(clerk)

    client.post(reverse("admin:catalog_sku_change", args=[sku.pk]), sku_form(sku, stock="9999"))

    assert stock_of(sku) == 100
    assert not StockMovement.objects.exists()


@pytest.fixture
def order_lands_during_form_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take 7 units with a guarded UPDATE while the admin form is being validated, the way an
    order placed between the admin loading the SKU and saving it would."""
    original_clean = SKU.clean

    def clean_with_an_order_in_between(self: SKU) -> None:
        SKU.objects.filter(pk=self.pk).update(stock=F("stock") - 7)
        original_clean(self)

    monkeypatch.setattr(SKU, "clean", clean_with_an_order_in_between)


@pytest.mark.usefixtures("order_lands_during_form_validation")
def test_saving_the_sku_form_keeps_stock_taken_by_an_order_meanwhile(
    clerk_and_sku: tuple[Any, SKU],
) -> None:
    clerk, sku = clerk_and_sku
    client = Client()
    client.force_login(clerk)

    response = client.post(
        reverse("admin:catalog_sku_change", args=[sku.pk]), sku_form(sku, spec="5斤精选装")
    )

    assert response.status_code == 302
    sku.refresh_from_db()
    assert (sku.spec, sku.stock) == ("5斤精选装", 93)


@pytest.mark.usefixtures("order_lands_during_form_validation")
def test_saving_the_product_page_keeps_stock_taken_by_an_order_meanwhile(
    clerk_and_sku: tuple[Any, SKU],
) -> None:
    clerk, sku = clerk_and_sku
    product = sku.product
    client = Client()
    client.force_login(clerk)

    response = client.post(
        reverse("admin:catalog_product_change", args=[product.pk]),
        {
            "merchant": product.merchant_id,
            "title": product.title,
            "kind": product.kind,
            "active": "on",
            "skus-TOTAL_FORMS": "1",
            "skus-INITIAL_FORMS": "1",
            "skus-0-id": sku.pk,
            "skus-0-product": product.pk,
            "skus-0-spec": "5斤家庭装",
            "skus-0-price": str(sku.price),
            "skus-0-code": sku.code,
            "skus-0-active": "on",
        },
    )

    assert response.status_code == 302
    sku.refresh_from_db()
    assert (sku.spec, sku.stock) == ("5斤家庭装", 93)
