"""Every demo page a member or a leader opens, at 390×844: it fits the screen (no sideways
scrolling, no zoom-inducing fields), its language switch brings the same page back in English and
then in Chinese, and a member page weighs under 100 KB without images on a cold cache.

The screenshots (Chinese and English) are the artefacts to look at; the weights go to
weights.json beside them and into the test's output."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from apps.chains.models import ChainEntry
from apps.chains.receipts import receipt_url
from apps.communities.models import Community
from apps.courses.models import Course, LiveSession
from apps.demo.courses import COURSE_TITLE
from apps.demo.data import COACH, DEMO_LOGINS, DemoData, member_phone
from apps.memberships.models import MembershipPlan
from apps.orders.models import Order
from apps.payments.views import order_ref
from tests.browser.conftest import ARTIFACTS, Phone, sign_in_with_password, sign_in_with_phone

pytestmark = pytest.mark.browser

MEMBER_PAGE_BUDGET = 100 * 1024  # bytes over the wire per member page, images left out
DISTRIBUTOR_PHONE = member_phone(5)  # member05: a distributor in the demo, with commissions
LEADER = next(login for login in DEMO_LOGINS if login.username == "leader")


def member_pages(demo: DemoData) -> list[tuple[str, str, bool]]:
    """(name, path, signed in) for what members open, from a chain link or their own menu."""
    group_buy = demo.communities[Community.Kind.GROUP_BUY]
    course = Course.objects.get(title=COURSE_TITLE)
    trial = course.lessons.filter(is_trial=True).order_by("position").first()
    assert trial is not None
    entry = ChainEntry.objects.filter(
        chain=demo.open_chain, order__status=Order.Status.PENDING_PAYMENT
    ).first()
    assert entry is not None
    return [
        ("home", "/", False),
        ("chain", reverse("chains:chain", args=[demo.open_chain.slug]), False),
        ("chain-closed", reverse("chains:chain", args=[demo.closed_chain.slug]), False),
        ("receipt", receipt_url(entry), False),
        ("pay", reverse("payments:pay", args=[order_ref(entry.order_id)]), False),
        ("sign-in-phone", reverse("accounts:phone"), False),
        ("sign-in-password", reverse("accounts:login"), False),
        ("course", reverse("courses:course", args=[course.pk]), False),
        ("trial-lesson", reverse("courses:lesson", args=[trial.pk]), False),
        ("my-home", "/", True),
        ("community", reverse("communities:community", args=[group_buy.pk]), True),
        ("check-in", reverse("rewards:check_in", args=[group_buy.pk]), True),
        ("my-coupons", reverse("rewards:my_coupons"), True),
        ("membership-plans", reverse("memberships:plans", args=[group_buy.pk]), True),
        ("my-membership", reverse("memberships:mine"), True),
        ("my-distribution", reverse("distribution:mine"), True),
        ("course-sessions", reverse("courses:sessions"), True),
        ("leader-apply", reverse("communities:leader_apply"), True),
    ]


def leader_pages(demo: DemoData) -> list[tuple[str, str]]:
    group_buy = demo.communities[Community.Kind.GROUP_BUY]
    chain = demo.open_chain
    paid = ChainEntry.objects.filter(chain=chain, order__status=Order.Status.PAID).first()
    assert paid is not None
    plan = MembershipPlan.objects.filter(community=group_buy).first()
    assert plan is not None
    community = [
        (name, reverse(f"communities:{name}", args=[group_buy.pk]))
        for name in (
            "leader_community",
            "leader_members",
            "leader_invites",
            "leader_announcements",
            "leader_todos",
            "leader_moderation",
            "leader_settings",
        )
    ]
    return [
        ("chains", reverse("chains:leader_chains")),
        ("chain-new", reverse("chains:leader_chain_create")),
        ("chain-manage", reverse("chains:leader_chain", args=[chain.pk])),
        ("chain-edit", reverse("chains:leader_chain_edit", args=[chain.pk])),
        ("chain-text", reverse("chains:leader_chain_text", args=[chain.pk])),
        ("pick-sheet", reverse("chains:leader_pick_sheet", args=[chain.pk])),
        ("refund", reverse("chains:leader_refund", args=[chain.pk, paid.pk])),
        ("communities", reverse("communities:leader_communities")),
        *community,
        ("pickup-points", reverse("chains:leader_pickup_points", args=[group_buy.pk])),
        ("memberships", reverse("memberships:leader", args=[group_buy.pk])),
        ("membership-plan", reverse("memberships:leader_plan", args=[group_buy.pk, plan.pk])),
        ("rewards", reverse("rewards:leader_rewards", args=[group_buy.pk])),
        ("merchants", reverse("catalog:leader_merchants")),
        ("distributors", reverse("distribution:applications")),
        ("my-membership", reverse("memberships:mine")),
        ("my-distribution", reverse("distribution:mine")),
    ]


def coach_pages() -> list[tuple[str, str]]:
    course = Course.objects.get(title=COURSE_TITLE)
    lesson = course.lessons.order_by("position").first()
    session = LiveSession.objects.filter(course=course).first() or LiveSession.objects.first()
    assert lesson is not None and session is not None
    return [
        ("courses", reverse("courses:leader_courses")),
        ("course-manage", reverse("courses:leader_course", args=[course.pk])),
        ("lesson-edit", reverse("courses:leader_lesson", args=[course.pk, lesson.pk])),
        ("sessions", reverse("courses:leader_sessions")),
        ("session", reverse("courses:leader_session", args=[session.pk])),
    ]


def tour(device: Phone, name: str, path: str) -> tuple[str, str]:
    """Open, check it fits, screenshot; switch to English and back, checking both. Returns the
    page's text in Chinese and in English (names and titles the users wrote stay as written)."""
    device.goto(path)
    device.assert_fits()
    device.shot(f"{name}-zh")
    chinese = device.page.locator("body").inner_text()
    device.switch_language("en")
    device.assert_fits()
    device.shot(f"{name}-en")
    english = device.page.locator("body").inner_text()
    device.switch_language("zh-hans")
    assert device.page.locator("html").get_attribute("lang") == "zh-hans"
    return chinese, english


def test_member_pages_fit_switch_language_and_stay_light(
    demo: DemoData,
    phone: Callable[..., Phone],
    capsys: pytest.CaptureFixture[str],
    record_property: Callable[[str, object], None],
) -> None:
    signer = phone("member-sign-in")
    signer.goto("/")
    sign_in_with_phone(signer, phone=DISTRIBUTOR_PHONE)
    signed_in = signer.context.storage_state()
    signer.close()

    weights: dict[str, int] = {}
    for name, path, needs_sign_in in member_pages(demo):
        # A fresh phone each time: a cold cache, as a member tapping a link in WeChat has.
        device = phone(f"member-{name}", **({"storage_state": signed_in} if needs_sign_in else {}))
        device.goto(path)
        assert device.page.url == device.base_url + path, f"{name}: sent to {device.page.url}"
        weights[name] = device.transferred()
        device.page.goto("about:blank")
        tour(device, name, path)
        device.close()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "weights.json").write_text(json.dumps(weights, indent=2))
    report = "\n".join(f"  {name:20} {size / 1024:6.1f} KB" for name, size in weights.items())
    with capsys.disabled():  # the figures belong in every run's output, not only with -s
        print(f"\nmember page weights (cold cache, images left out):\n{report}")
    record_property("member_page_weights", weights)
    heavy = {name: size for name, size in weights.items() if size >= MEMBER_PAGE_BUDGET}
    assert not heavy, f"member pages over {MEMBER_PAGE_BUDGET} bytes: {heavy}"


def test_leader_pages_fit_and_switch_language(demo: DemoData, phone: Any) -> None:
    leader = phone("leader")
    sign_in_with_password(leader, username=LEADER.username, password=LEADER.password)
    texts = {name: tour(leader, name, path) for name, path in leader_pages(demo)}

    coach = phone("coach")
    coach.goto("/")
    sign_in_with_phone(coach, phone=COACH[2])
    texts |= {name: tour(coach, name, path) for name, path in coach_pages()}

    # Every page was toured, and the switch turned each one's own words into English.
    assert len(texts) == len(leader_pages(demo)) + len(coach_pages())
    unchanged = [name for name, (zh, en) in texts.items() if zh == en]
    assert not unchanged, f"pages the English switch left as they were: {unchanged}"
    assert not leader.problems and not coach.problems


def test_merchant_admin_fits_a_phone(demo: DemoData, phone: Any) -> None:
    """A merchant's staff check products and start an import from the shop floor."""
    fruit = next(login for login in DEMO_LOGINS if login.username == "fruit")
    merchant = phone("merchant-admin")
    page = merchant.page
    merchant.goto(reverse("admin:login"))
    page.locator("#id_username").fill(fruit.username)
    page.locator("#id_password").fill(fruit.password)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    merchant.assert_fits()
    merchant.shot("admin-index")
    merchant.goto(reverse("admin:catalog_product_changelist"))
    merchant.assert_fits()
    merchant.shot("products")
    page.locator("#result_list tbody a").first.click()
    page.wait_for_url("**/change/")
    merchant.assert_fits()
    merchant.shot("product")
    merchant.goto(reverse("admin:catalog_product_import"))
    merchant.assert_fits()
    merchant.shot("product-import")
