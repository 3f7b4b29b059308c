"""Staff opening a person's data in the admin is logged; lists mask phone numbers."""

from decimal import Decimal

import pytest
from django.test import Client

from apps.privacy.models import PersonalDataAccess
from tests.accounts.factories import UserFactory, staff_user
from tests.distribution.factories import dist_setup, paid

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> object:
    return UserFactory(is_staff=True, is_superuser=True)


def test_opening_an_order_or_a_user_is_logged(client: Client, superuser) -> None:
    order = paid(dist_setup(price=Decimal("10.00")).chain, phone="13700002222")
    member = UserFactory(phone="13600003333")
    client.force_login(superuser)

    order_page = client.get(f"/admin/orders/order/{order.pk}/change/")
    user_page = client.get(f"/admin/accounts/user/{member.pk}/change/")

    assert order_page.status_code == 200 and "13700002222" in order_page.content.decode()
    assert user_page.status_code == 200
    logged = list(PersonalDataAccess.objects.order_by("pk"))
    assert [(row.object_type, row.object_id, row.viewer_id) for row in logged] == [
        ("orders.Order", str(order.pk), superuser.pk),
        ("accounts.User", str(member.pk), superuser.pk),
    ]
    # the log itself is readable by superusers in the admin
    log_page = client.get("/admin/privacy/personaldataaccess/")
    assert log_page.status_code == 200 and str(order.pk) in log_page.content.decode()


def test_lists_mask_phone_numbers(client: Client, superuser) -> None:
    paid(dist_setup().chain, phone="13700004444")
    UserFactory(phone="13600005555")
    client.force_login(superuser)

    orders = client.get("/admin/orders/order/").content.decode()
    users = client.get("/admin/accounts/user/").content.decode()

    assert "137****4444" in orders and "13700004444" not in orders
    assert "136****5555" in users and "13600005555" not in users
    assert not PersonalDataAccess.objects.exists()  # lists show nothing to log


def test_only_superusers_read_the_access_log(client: Client) -> None:
    client.force_login(staff_user("operations"))
    assert client.get("/admin/privacy/personaldataaccess/").status_code == 403


def test_a_missing_object_logs_nothing(client: Client, superuser) -> None:
    client.force_login(superuser)
    client.get("/admin/orders/order/999999/change/")
    assert not PersonalDataAccess.objects.exists()


def test_leader_applications_are_masked_in_the_list_and_logged_when_opened(
    client: Client, superuser
) -> None:
    from apps.communities.models import LeaderApplication

    application = LeaderApplication.objects.create(
        applicant=UserFactory(),
        name="李娜",
        phone="13500006666",
        neighbourhood="幸福里",
        pickup_address="幸福里5号楼101",
    )
    client.force_login(superuser)

    listing = client.get("/admin/communities/leaderapplication/").content.decode()
    page = client.get(f"/admin/communities/leaderapplication/{application.pk}/change/")

    assert "135****6666" in listing and "13500006666" not in listing
    assert page.status_code == 200 and "幸福里5号楼101" in page.content.decode()
    assert PersonalDataAccess.objects.get().object_type == "communities.LeaderApplication"
