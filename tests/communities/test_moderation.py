"""Blocked words are checked everywhere text is written, refused with a clear reason, counted."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.chains.models import Chain, ChainEntry
from apps.chains.services import ChainDetails, chain_order_place, chain_update
from apps.communities import content, invites, moderation, services
from apps.communities.models import (
    Announcement,
    Community,
    Membership,
    ModerationHit,
    ModerationWord,
)
from apps.communities.moderation import TextBlocked, text_check
from apps.core.errors import PermissionDenied
from tests.accounts.factories import UserFactory
from tests.chains.factories import open_chain
from tests.communities.factories import CommunityFactory, member_of

pytestmark = pytest.mark.django_db


def platform_word(word: str = "代开发票") -> ModerationWord:
    return ModerationWord.objects.create(word=word)


def hits(community: Community, where: str) -> int:
    return ModerationHit.objects.filter(community=community, where=where).count()


def test_platform_words_always_apply_and_the_groups_own_while_anti_harassment_is_on() -> None:
    community = CommunityFactory()
    platform_word()
    moderation.moderation_word_add(community=community, actor=community.owner, word="加微信")

    with pytest.raises(TextBlocked) as blocked:
        text_check(text="可以代 开发票哦", community=community, where="announcement")
    text_check(text="请加微信联系", community=community, where="announcement")  # 防骚扰 off

    assert blocked.value.code == "blocked" and blocked.value.status == 400
    assert "代开发票" in blocked.value.message and "拦截" in blocked.value.message
    community.anti_harassment = True
    with pytest.raises(TextBlocked, match="加微信"):
        text_check(text="请加微信联系", community=community, where="announcement")
    text_check(text="请加微信联系", community=CommunityFactory(anti_harassment=True), where="todo")


def test_only_managers_manage_the_groups_words() -> None:
    community = CommunityFactory()
    plain = member_of(community)
    with pytest.raises(PermissionDenied):
        moderation.moderation_word_add(community=community, actor=plain, word="广告")
    assert not ModerationWord.objects.filter(community=community).exists()


def test_announcements_are_checked_and_the_hit_is_counted_after_the_rollback() -> None:
    community = CommunityFactory()
    platform_word()

    with pytest.raises(TextBlocked):
        content.announcement_post(community=community, actor=community.owner, body="代开发票")

    assert not Announcement.objects.filter(community=community).exists()
    assert hits(community, "announcement") == 1


def test_nicknames_are_checked_on_joining_and_on_change() -> None:
    community = CommunityFactory()
    platform_word("赌博")
    user = member_of(community)

    with pytest.raises(TextBlocked):
        services.membership_nickname_set(community=community, user=user, nickname="赌博大王")
    with pytest.raises(TextBlocked):
        services.community_member_add(community=community, user=UserFactory(), nickname="赌博")

    assert Membership.objects.get(community=community, user=user).nickname == ""
    assert hits(community, "nickname") == 2


def test_todos_are_checked() -> None:
    community = CommunityFactory()
    platform_word()
    with pytest.raises(TextBlocked):
        content.todo_create(
            community=community,
            actor=community.owner,
            title="代开发票统计",
            due_at=timezone.now() + timedelta(days=1),
        )
    assert hits(community, "todo") == 1


def test_chain_titles_and_descriptions_are_checked_on_create_and_update() -> None:
    platform_word()
    setup = open_chain()
    details = ChainDetails(
        title="周末水果", description="代开发票", closes_at=timezone.now() + timedelta(days=1)
    )

    with pytest.raises(TextBlocked) as blocked:
        chain_update(chain=setup.chain, actor=setup.leader, details=details)
    assert blocked.value.field == "description"
    with pytest.raises(TextBlocked):
        chain_update(
            chain=setup.chain,
            actor=setup.leader,
            details=ChainDetails(title="代开发票", description="", closes_at=details.closes_at),
        )

    assert Chain.objects.get(pk=setup.chain.pk).description == "产地直发"
    assert hits(setup.community, "chain_description") == 1
    assert hits(setup.community, "chain_title") == 1


def test_chain_create_through_the_api_answers_400_blocked() -> None:
    platform_word()
    setup = open_chain()
    client = APIClient()
    client.force_login(setup.leader)

    response = client.post(
        "/api/v1/chains/",
        {
            "community": setup.community.pk,
            "title": "代开发票团",
            "closes_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "pickup_points": [setup.pickup_points[0].pk],
            "items": [{"sku": setup.skus[0].pk, "group_price": "9.90", "stock_cap": 5}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "blocked" and "代开发票" in response.json()["message"]
    assert Chain.objects.filter(community=setup.community).count() == 1


def test_order_notes_are_checked_before_the_order_is_placed() -> None:
    platform_word("发票")
    setup = open_chain()

    with pytest.raises(TextBlocked) as blocked:
        chain_order_place(
            chain=setup.chain,
            buyer=None,
            contact_name="顾客",
            contact_phone="13800000001",
            quantities={setup.items[0].pk: 1},
            pickup_point=setup.pickup_points[0],
            submission_token="t-1",
            note="要开发票",
        )

    assert blocked.value.field == "note"
    assert not ChainEntry.objects.filter(chain=setup.chain).exists()
    setup.chain.refresh_from_db()
    assert setup.chain.entry_count == 0
    assert hits(setup.community, "order_note") == 1


def test_the_announcement_page_shows_why_the_text_was_refused() -> None:
    community = CommunityFactory()
    platform_word()
    client = Client()
    client.force_login(community.owner)

    response = client.post(
        reverse("communities:leader_announcements", args=[community.pk]), {"body": "代开发票"}
    )

    assert response.status_code == 200
    assert "敏感词“代开发票”" in response.content.decode()
    moderation_page = client.get(reverse("communities:leader_moderation", args=[community.pk]))
    assert "代开发票" in moderation_page.content.decode()


def test_invite_redeem_is_not_a_way_around_nickname_checks() -> None:
    # Redeeming carries no nickname; the nickname is checked when set afterwards.
    community = CommunityFactory()
    platform_word("赌博")
    user = UserFactory()
    invites.invite_redeem(
        code=invites.invite_create(community=community, actor=community.owner).code, user=user
    )
    with pytest.raises(TextBlocked):
        services.membership_nickname_set(community=community, user=user, nickname="赌 博")


def test_operations_keep_the_platform_word_list_in_the_admin() -> None:
    from tests.accounts.factories import staff_user

    client = Client()
    client.force_login(staff_user("operations"))

    response = client.post(reverse("admin:communities_moderationword_add"), {"word": "刷单"})

    assert response.status_code == 302
    word = ModerationWord.objects.get(word="刷单")
    assert word.community is None and word.created_by is not None
