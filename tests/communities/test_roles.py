"""One owner, at most five admins (also when promotions race), and what each role may do."""

import threading

import pytest
from django.db import close_old_connections, connection

from apps.chains.models import Chain
from apps.communities import services
from apps.communities.models import MAX_ADMINS, Community, Membership
from apps.core.errors import Conflict, DomainError, IllegalTransition, NotFound, PermissionDenied
from apps.orders.models import Order
from tests.accounts.factories import UserFactory
from tests.chains.factories import open_chain
from tests.communities.factories import CommunityFactory, member_of

Role = Membership.Role


def role_of(community: Community, user: object) -> str:
    return Membership.objects.get(community=community, user=user).role


@pytest.mark.django_db
def test_the_owner_appoints_at_most_five_admins() -> None:
    community = CommunityFactory()
    admins = [member_of(community) for _ in range(MAX_ADMINS)]
    for user in admins:
        services.membership_promote(community=community, actor=community.owner, user=user)
    sixth = member_of(community)

    with pytest.raises(Conflict, match="最多 5 名管理员"):
        services.membership_promote(community=community, actor=community.owner, user=sixth)

    assert role_of(community, sixth) == Role.MEMBER
    services.membership_demote(community=community, actor=community.owner, user=admins[0])
    services.membership_promote(community=community, actor=community.owner, user=sixth)
    assert role_of(community, sixth) == Role.ADMIN


@pytest.mark.django_db
def test_only_the_owner_promotes_and_outsiders_do_not_learn_the_group_exists() -> None:
    community = CommunityFactory()
    admin = member_of(community, role=Role.ADMIN)
    plain = member_of(community)

    with pytest.raises(PermissionDenied):
        services.membership_promote(community=community, actor=admin, user=plain)
    with pytest.raises(NotFound):
        services.membership_promote(community=community, actor=UserFactory(), user=plain)
    assert role_of(community, plain) == Role.MEMBER


@pytest.mark.django_db(transaction=True)
def test_two_promotions_racing_for_the_last_admin_place_let_only_one_through() -> None:
    # Given a group with four admins and two members the owner promotes at the same moment
    community = CommunityFactory()
    for _ in range(MAX_ADMINS - 1):
        member_of(community, role=Role.ADMIN)
    candidates = [member_of(community) for _ in range(2)]
    barrier = threading.Barrier(len(candidates))
    outcomes: list[str] = []

    def promote(user: object) -> None:
        try:
            barrier.wait()
            services.membership_promote(community=community, actor=community.owner, user=user)
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=promote, args=(user,)) for user in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()

    # Then exactly one wins and the group has five admins
    assert sorted(outcomes) == ["admin_limit", "ok"]
    admins = Membership.objects.filter(community=community, role=Role.ADMIN).count()
    assert admins == MAX_ADMINS


@pytest.mark.django_db
def test_transfer_makes_the_old_owner_an_admin_or_a_member() -> None:
    community = CommunityFactory()
    old_owner = community.owner
    heir = member_of(community)

    services.community_transfer(community=community, actor=old_owner, new_owner=heir)

    community.refresh_from_db()
    assert community.owner == heir
    assert role_of(community, heir) == Role.OWNER
    assert role_of(community, old_owner) == Role.ADMIN
    with pytest.raises(PermissionDenied):
        services.community_rename(community=community, actor=old_owner, name="新名字")

    services.community_transfer(
        community=community, actor=heir, new_owner=old_owner, old_owner_role=Role.MEMBER
    )
    assert role_of(community, heir) == Role.MEMBER
    assert role_of(community, old_owner) == Role.OWNER


@pytest.mark.django_db
def test_transfer_keeps_the_admin_limit() -> None:
    community = CommunityFactory()
    for _ in range(MAX_ADMINS):
        member_of(community, role=Role.ADMIN)
    heir = member_of(community)

    with pytest.raises(Conflict):
        services.community_transfer(community=community, actor=community.owner, new_owner=heir)
    assert role_of(community, heir) == Role.MEMBER


@pytest.mark.django_db
def test_rename_is_the_owners_and_settings_the_admins() -> None:
    community = CommunityFactory(name="旧名")
    admin = member_of(community, role=Role.ADMIN)
    plain = member_of(community)

    with pytest.raises(PermissionDenied):
        services.community_rename(community=community, actor=admin, name="新名")
    services.community_rename(community=community, actor=community.owner, name="新名")
    services.community_settings_update(community=community, actor=admin, anti_harassment=True)
    with pytest.raises(PermissionDenied):
        services.community_settings_update(community=community, actor=plain, requires_approval=True)

    community.refresh_from_db()
    assert (community.name, community.anti_harassment, community.requires_approval) == (
        "新名",
        True,
        False,
    )


@pytest.mark.django_db
def test_removal_and_leaving_keep_history_and_orders() -> None:
    setup = open_chain()
    community = setup.community
    admin = member_of(community, role=Role.ADMIN)
    other_admin = member_of(community, role=Role.ADMIN)
    buyer = member_of(community, phone="13900000001")
    order = Order.objects.create(
        community=community,
        buyer=buyer,
        contact_name="买家",
        contact_phone="13900000001",
        total_amount=10,
        subtotal_amount=10,
    )

    with pytest.raises(PermissionDenied):
        services.membership_remove(community=community, actor=admin, user=other_admin)
    with pytest.raises(PermissionDenied):
        services.membership_remove(community=community, actor=admin, user=community.owner)
    services.membership_remove(community=community, actor=admin, user=buyer)
    services.membership_leave(community=community, user=other_admin)
    with pytest.raises(Conflict):
        services.membership_leave(community=community, user=community.owner)

    removed = Membership.objects.get(community=community, user=buyer)
    assert removed.left_at is not None and removed.removed_by == admin
    left = Membership.objects.get(community=community, user=other_admin)
    assert left.left_at is not None and left.role == Role.MEMBER
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.django_db
def test_dissolving_closes_open_chains_and_stops_new_ones() -> None:
    setup = open_chain()
    admin = member_of(setup.community, role=Role.ADMIN)

    with pytest.raises(PermissionDenied):
        services.community_dissolve(community=setup.community, actor=admin)
    services.community_dissolve(community=setup.community, actor=setup.leader)

    setup.chain.refresh_from_db()
    assert setup.chain.status == Chain.Status.CLOSED
    setup.community.refresh_from_db()
    assert setup.community.dissolved_at is not None
    with pytest.raises(IllegalTransition):
        services.community_dissolve(community=setup.community, actor=setup.leader)
    with pytest.raises(Conflict):
        services.community_member_add(community=setup.community, user=UserFactory())
