"""List pages and endpoints whose query count must not grow with what they list.

Each case sets up a viewer and a URL and returns `grow(i)`, which adds one more listed thing and
returns a text the response must then contain (so a case cannot pass by listing nothing).
tests/core/test_list_query_counts.py pins every case at two sizes; `python -m bench queries`
prints the counts. Lists whose own tests already pin two sizes (the chain page, the leader's chain
page, the chains/entries/orders API, the leader's membership members, the leader's ad placements
`/leader/ads/` and operations' `/ads/reports/`) are not repeated here. Not cases, because their
size is bounded or they are not lists of rows: the leaderboards (one aggregate query, top 20,
pinned in tests/rewards), the subscription edit page's ten latest deliveries, the campaign
dashboard API (one campaign's charts), the churn and playbook endpoints (fixed months and steps),
and the downloads (CSV/XLSX, streamed: the commission export is a COPY, the pick sheet's comes
from the same rows as the pick-sheet page pinned below).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone

from apps.accounts.models import User
from apps.ads.models import Campaign, Placement
from apps.catalog.models import SupplyAgreement
from apps.chains.models import Chain, PickupPoint
from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_open, chain_order_place
from apps.communities.content import announcement_post, todo_create
from apps.communities.invites import invite_create, invite_redeem
from apps.communities.models import Community
from apps.communities.moderation import moderation_word_add
from apps.courses.models import Lesson, LiveSession
from apps.courses.services import (
    CourseDetails,
    LessonDetails,
    SessionDetails,
    course_create,
    lesson_create,
    session_book,
    session_buy,
    session_create,
)
from apps.distribution.models import Distributor, PayoutBatch, PayoutLine
from apps.memberships.models import MembershipPlan
from apps.memberships.services import PlanTerms, membership_order_create, plan_create
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from apps.rewards.services import coupon_issue
from apps.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from apps.webhooks.services import (
    MAX_SUBSCRIPTIONS,
    bot_token_create,
    bot_token_revoke,
    subscription_create,
)
from tests.accounts.factories import UserFactory, staff_user
from tests.ads.factories import running_campaign
from tests.catalog.factories import MerchantFactory, ProductFactory, SKUFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import CommunityFactory, member_of
from tests.courses.factories import CourseSetup, enrol, fitness_course
from tests.distribution.factories import approved, dist_setup, paid
from tests.memberships.factories import buy, make_plan
from tests.rewards.factories import join, make_template

Grow = Callable[[int], str]


@dataclass(frozen=True)
class Listing:
    viewer: User
    url: str
    grow: Grow
    # Sent with every request: the bot API authenticates by a token, not by the session.
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListCase:
    name: str
    start: Callable[[], Listing]


def _chain(setup: ChainSetup, title: str) -> Chain:
    """Another open chain of the same leader in the same community."""
    chain = chain_create(
        leader=setup.leader,
        community=setup.community,
        details=ChainDetails(
            title=title, description="", closes_at=timezone.now() + timedelta(days=2)
        ),
        items=[ItemSpec(sku=setup.skus[0], group_price=Decimal("19.90"), stock_cap=5)],
        pickup_points=setup.pickup_points,
    )
    return chain_open(chain=chain, actor=setup.leader)


def _order(chain: Chain, *, buyer: User | None, n: int) -> Order:
    item = chain.items.get()
    entry = chain_order_place(
        chain=chain,
        buyer=buyer,
        contact_name=f"顾客{n}",
        contact_phone=f"1370000{n:04d}",
        quantities={item.pk: 1},
        pickup_point=chain.pickup_points.first(),
        submission_token=f"list-{chain.pk}-{n}",
    )
    return entry.order


def _leader_chains(url: str) -> Callable[[], Listing]:
    """The leader's chains, each with an order the leader placed as a buyer."""

    def start() -> Listing:
        setup = open_chain(caps=(50,), stock=1000)

        def grow(i: int) -> str:
            chain = _chain(setup, f"第{i}期接龙")
            _order(chain, buyer=setup.leader, n=i)
            return f"第{i}期接龙"

        return Listing(setup.leader, url, grow)

    return start


def _my_orders() -> Listing:
    setup = open_chain(caps=(500,), stock=1000)
    buyer = UserFactory()

    def grow(i: int) -> str:
        return str(_order(setup.chain, buyer=buyer, n=i).number)

    return Listing(buyer, "/api/v1/my/orders/", grow)


def _community_members(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        community = CommunityFactory()

        def grow(i: int) -> str:
            return member_of(community, display_name=f"群友{i}号").display_name

        return Listing(community.owner, url.format(community=community.pk), grow)

    return start


def _announcements(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        community = CommunityFactory()
        editor = member_of(community, role="admin")

        def grow(i: int) -> str:
            # A different author each time: a page showing authors must not query each one.
            author = editor if i % 2 else community.owner
            return announcement_post(community=community, actor=author, body=f"第{i}版公告").body

        return Listing(community.owner, url.format(community=community.pk), grow)

    return start


def _todos(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        community = CommunityFactory()

        def grow(i: int) -> str:
            return todo_create(
                community=community,
                actor=community.owner,
                title=f"待办{i}",
                due_at=timezone.now() + timedelta(days=i + 1),
            ).title

        return Listing(community.owner, url.format(community=community.pk), grow)

    return start


def _leader_courses() -> Listing:
    community = CommunityFactory(kind="fitness")

    def grow(i: int) -> str:
        course = course_create(
            actor=community.owner,
            community=community,
            seats=10,
            details=CourseDetails(
                title=f"训练营{i}期",
                description="",
                instructor_name="李教练",
                price=Decimal("99.00"),
            ),
        )
        return course.title

    return Listing(community.owner, "/leader/courses/", grow)


def _coupons(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        member = UserFactory()

        def grow(i: int) -> str:
            # Each coupon from another community's template: templates and communities vary.
            community = CommunityFactory()
            join(community, member)
            template = make_template(community, name=f"满减券{i}")
            coupon_issue(template=template, owner=member, actor=community.owner)
            return template.name

        return Listing(member, url, grow)

    return start


def _my_distribution() -> Listing:
    setup = open_chain(caps=(500,), stock=1000)
    user = UserFactory()

    def grow(i: int) -> str:
        # One more community where the user distributes, with an open chain and a team member.
        other = open_chain(caps=(5,), stock=10)
        distributor = approved(user, community=other.community)
        approved(UserFactory(), community=other.community, parent=distributor)
        order = _order(setup.chain, buyer=None, n=i)
        order_mark_paid(order=order, actor=setup.leader)
        return distributor.code

    return Listing(user, "/distribution/", grow)


# --- Communities ----------------------------------------------------------------------------


def _communities_of_owner(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        owner = UserFactory()

        def grow(i: int) -> str:
            community = CommunityFactory(owner=owner, name=f"第{i}小区群")
            member_of(community, role="admin")
            return community.name

        return Listing(owner, url, grow)

    return start


def _invites(url: str, *, requests: bool) -> Callable[[], Listing]:
    """Invites made by different members; with `requests`, each redeemed by a newcomer whose
    join waits for approval (the marker is then the newcomer's name)."""

    def start() -> Listing:
        community = CommunityFactory(requires_approval=True)
        inviters = [community.owner, member_of(community, role="admin"), member_of(community)]

        def grow(i: int) -> str:
            invite = invite_create(community=community, actor=inviters[i % len(inviters)])
            if not requests:
                return invite.code
            newcomer = UserFactory(display_name=f"新人{i}号")
            invite_redeem(code=invite.code, user=newcomer)
            return newcomer.display_name

        return Listing(community.owner, url.format(community=community.pk), grow)

    return start


def _moderation_words(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        community = CommunityFactory()
        admin = member_of(community, role="admin")

        def grow(i: int) -> str:
            actor = admin if i % 2 else community.owner
            word = moderation_word_add(community=community, actor=actor, word=f"违禁词{i}")
            return word.word

        return Listing(community.owner, url.format(community=community.pk), grow)

    return start


def _member_community_page() -> Listing:
    community = CommunityFactory()
    member = member_of(community)

    def grow(i: int) -> str:
        return todo_create(
            community=community,
            actor=community.owner,
            title=f"群待办{i}",
            due_at=timezone.now() + timedelta(days=i + 1),
        ).title

    return Listing(member, f"/communities/{community.pk}/", grow)


# --- Chains ---------------------------------------------------------------------------------


def _pickup_points() -> Listing:
    community = CommunityFactory()

    def grow(i: int) -> str:
        return PickupPoint.objects.create(
            community=community, name=f"{i}号自提点", address=f"幸福小区{i}号楼"
        ).name

    return Listing(community.owner, f"/leader/communities/{community.pk}/pickup-points/", grow)


def _chain_entries(url: str) -> Callable[[], Listing]:
    """Orders on one chain from different buyers at alternating pickup points."""

    def start() -> Listing:
        setup = open_chain(caps=(500,), stock=1000)

        def grow(i: int) -> str:
            entry = chain_order_place(
                chain=setup.chain,
                buyer=UserFactory() if i % 2 else None,
                contact_name=f"顾客{i}号",
                contact_phone=f"1370000{i:04d}",
                quantities={setup.items[0].pk: 1},
                pickup_point=setup.pickup_points[i % 2],
                submission_token=f"entries-{setup.chain.pk}-{i}",
            )
            # The WeChat text shows masked names: its marker is the entry's line number.
            return f"{entry.sequence}. " if url.endswith("text/") else entry.order.contact_name

        return Listing(setup.leader, url.format(chain=setup.chain.pk), grow)

    return start


# --- Courses --------------------------------------------------------------------------------


def _session(setup: CourseSetup, i: int, *, priced: bool, for_course: bool = False) -> LiveSession:
    details = SessionDetails(
        title=f"私教课{i}号",
        starts_at=timezone.now() + timedelta(days=2, hours=i),
        capacity=20,
        price=Decimal("59.00") if priced else None,
    )
    if for_course:
        return session_create(actor=setup.leader, course=setup.course, details=details)
    return session_create(actor=setup.leader, community=setup.community, details=details)


def _member_sessions(url: str) -> Callable[[], Listing]:
    """Sessions of the member's group and course, free and priced."""

    def start() -> Listing:
        setup = fitness_course()
        member = member_of(setup.community)
        enrol(setup, member)

        def grow(i: int) -> str:
            return _session(setup, i, priced=i % 3 == 1, for_course=i % 3 == 2).title

        return Listing(member, url, grow)

    return start


def _member_bookings(url: str) -> Callable[[], Listing]:
    """The member's bookings: free ones booked at once, priced ones held with an order."""

    def start() -> Listing:
        setup = fitness_course()
        member = member_of(setup.community)

        def grow(i: int) -> str:
            session = _session(setup, i, priced=i % 2 == 1)
            if session.price is None:
                session_book(session=session, user=member)
            else:
                session_buy(session=session, buyer=member)
            return session.title

        return Listing(member, url, grow)

    return start


def _leader_sessions() -> Listing:
    setup = fitness_course()

    def grow(i: int) -> str:
        return _session(setup, i, priced=i % 3 == 1, for_course=i % 3 == 2).title

    return Listing(setup.leader, "/leader/sessions/", grow)


def _session_bookings() -> Listing:
    setup = fitness_course()
    session = _session(setup, 0, priced=False)

    def grow(i: int) -> str:
        member = member_of(setup.community, display_name=f"学员{i}号")
        session_book(session=session, user=member)
        return member.display_name

    return Listing(setup.leader, f"/leader/sessions/{session.pk}/", grow)


def _api_courses() -> Listing:
    community = CommunityFactory(kind="fitness")

    def grow(i: int) -> str:
        return course_create(
            actor=community.owner,
            community=community,
            seats=10,
            details=CourseDetails(
                title=f"瑜伽课{i}期", description="", instructor_name="王教练", price=Decimal("9")
            ),
        ).title

    return Listing(community.owner, "/api/v1/courses/", grow)


# --- Memberships ----------------------------------------------------------------------------


def _plan(community: Community, i: int) -> MembershipPlan:
    return plan_create(
        community=community,
        actor=community.owner,
        period="month",
        terms=PlanTerms(name=f"会员方案{i}", price=Decimal(10 + i), benefits=f"权益{i}"),
    )


def _plans(url: str, *, viewer: str) -> Callable[[], Listing]:
    def start() -> Listing:
        community = CommunityFactory()
        user = community.owner if viewer == "leader" else member_of(community)

        def grow(i: int) -> str:
            return _plan(community, i).name

        return Listing(user, url.format(community=community.pk), grow)

    return start


def _my_memberships(url: str, *, marker: str) -> Callable[[], Listing]:
    """A subscription in one more community each time, and one more order waiting to be paid."""

    def start() -> Listing:
        member = UserFactory()

        def grow(i: int) -> str:
            plan = _plan(CommunityFactory(), i)
            buy(plan, member)
            membership_order_create(plan=_plan(CommunityFactory(), 100 + i), buyer=member)
            return plan.name if marker == "name" else f'"plan":{plan.pk}'

        return Listing(member, url, grow)

    return start


def _plan_members() -> Listing:
    plan = make_plan()

    def grow(i: int) -> str:
        member = UserFactory(display_name=f"会员{i}号")
        buy(plan, member)
        return member.display_name

    return Listing(
        plan.community.owner, f"/api/v1/leader/membership-plans/{plan.pk}/members/", grow
    )


# --- Distribution, finance, merchants -------------------------------------------------------


def _leader_distributors() -> Listing:
    """Applications and distributors of the leader's group, each under another's team."""
    community = CommunityFactory()
    parents: list[Distributor] = []

    def grow(i: int) -> str:
        distributor = approved(
            UserFactory(), community=community, parent=parents[-1] if parents else None
        )
        parents.append(distributor)
        return distributor.code

    return Listing(community.owner, "/leader/distributors/", grow)


def _payout_batch(finance: User, i: int) -> PayoutBatch:
    """A batch with two lines (written directly: building one needs matured commissions)."""
    batch = PayoutBatch.objects.create(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 31),
        total_amount=Decimal("30.00"),
        reference=f"REF{i:05d}",
        created_by=finance,
        reviewed_by=finance if i % 2 else None,
    )
    for amount in ("10.00", "20.00"):
        PayoutLine.objects.create(batch=batch, beneficiary=UserFactory(), amount=Decimal(amount))
    return batch


def _payout_batches(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        finance = staff_user("finance")

        def grow(i: int) -> str:
            batch = _payout_batch(finance, i)
            return batch.reference if url.startswith("/api/") else str(batch)

        return Listing(finance, url, grow)

    return start


def _payout_lines() -> Listing:
    finance = staff_user("finance")
    batch = _payout_batch(finance, 0)

    def grow(i: int) -> str:
        line = PayoutLine.objects.create(
            batch=batch, beneficiary=UserFactory(), amount=Decimal(f"{i + 31}.50")
        )
        return str(line.amount)

    return Listing(finance, f"/finance/distribution/batches/{batch.pk}/", grow)


def _commission_entries() -> Listing:
    setup = dist_setup()

    def grow(i: int) -> str:
        order = paid(setup.chain, code=setup.distributor.code, phone=f"1380000{i:04d}")
        return str(order.number)

    return Listing(setup.distributor.user, "/api/v1/distribution/entries/", grow)


def _leader_merchants() -> Listing:
    leader = UserFactory()

    def grow(i: int) -> str:
        merchant = MerchantFactory(name=f"果园{i}号商行")
        ProductFactory(merchant=merchant)
        if i % 2:
            SupplyAgreement.objects.create(
                merchant=merchant, leader=leader, status=SupplyAgreement.Status.APPROVED
            )
        return merchant.name

    return Listing(leader, "/leader/merchants/", grow)


# --- Ads and analytics ----------------------------------------------------------------------


def _advertiser_campaigns(url: str) -> Callable[[], Listing]:
    """Campaigns of one advertiser, each placed in its own group."""

    def start() -> Listing:
        setup = running_campaign(name="计划0")

        def grow(i: int) -> str:
            campaign = Campaign.objects.get(pk=setup.campaign.pk)
            campaign.pk = None
            campaign.name = f"投放计划{i}"
            campaign.save()
            running = running_campaign(name=campaign.name)
            Placement.objects.filter(pk=running.placement.pk).update(campaign=campaign)
            return campaign.name

        return Listing(setup.advertiser_user, url, grow)

    return start


def _leader_dashboard(url: str) -> Callable[[], Listing]:
    """Per-chain figures: one more chain with a paid order each time."""

    def start() -> Listing:
        setup = open_chain(caps=(50,), stock=1000)

        def grow(i: int) -> str:
            chain = _chain(setup, f"第{i}期团购")
            order_mark_paid(order=_order(chain, buyer=None, n=i), actor=setup.leader)
            return chain.title

        return Listing(setup.leader, url, grow)

    return start


def _merchant_dashboard(url: str) -> Callable[[], Listing]:
    """Per-product figures: one more product of the merchant sold on a chain each time."""

    def start() -> Listing:
        setup = open_chain(caps=(50,), stock=1000)
        staff = UserFactory()
        setup.skus[0].product.merchant.staff.add(staff)

        def grow(i: int) -> str:
            sku = SKUFactory(
                product=ProductFactory(merchant=setup.skus[0].product.merchant, title=f"脐橙{i}号")
            )
            chain = chain_create(
                leader=setup.leader,
                community=setup.community,
                details=ChainDetails(
                    title=f"脐橙{i}", description="", closes_at=timezone.now() + timedelta(days=2)
                ),
                items=[ItemSpec(sku=sku, group_price=Decimal("9.90"), stock_cap=5)],
                pickup_points=setup.pickup_points,
            )
            chain = chain_open(chain=chain, actor=setup.leader)
            order_mark_paid(order=_order(chain, buyer=None, n=i), actor=setup.leader)
            return sku.product.title

        return Listing(staff, url, grow)

    return start


# --- Webhooks and the bot API ---------------------------------------------------------------


def _webhook_index() -> Listing:
    owner = UserFactory()

    def grow(i: int) -> str:
        community = CommunityFactory(owner=owner, name=f"接口{i}群")
        bot_token_create(community=community, actor=owner, name=f"机器人{i}")
        return community.name

    return Listing(owner, "/leader/webhooks/", grow)


def _subscription(community: Community, i: int) -> WebhookSubscription:
    if i >= MAX_SUBSCRIPTIONS:
        # The service stops a group at ten; the page must not grow past them either.
        return WebhookSubscription.objects.create(
            community=community,
            url=f"http://127.0.0.1:9/hook{i}",
            event_types=["order.paid"],
            secret=f"secret-{i}",
        )
    with override_settings(WEBHOOKS_ALLOW_PRIVATE_URLS=True):
        return subscription_create(
            community=community,
            actor=community.owner,
            url=f"http://127.0.0.1:9/hook{i}",
            event_types=["order.paid"],
        )


def _webhook_subscriptions() -> Listing:
    community = CommunityFactory()

    def grow(i: int) -> str:
        subscription = _subscription(community, i)
        WebhookDelivery.objects.create(
            subscription=subscription, event_type="order.paid", payload={}, status="failed"
        )
        return subscription.url

    return Listing(community.owner, f"/leader/communities/{community.pk}/webhooks/", grow)


def _webhook_deliveries() -> Listing:
    community = CommunityFactory()
    subscription = _subscription(community, 0)

    def grow(i: int) -> str:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event_type="order.paid", payload={"n": i}
        )
        for number in (1, 2):
            WebhookAttempt.objects.create(
                delivery=delivery,
                number=number,
                started_at=timezone.now(),
                duration_ms=12,
                succeeded=False,
                error=f"连接超时{i}",
            )
        return str(delivery.event_id)

    url = f"/leader/communities/{community.pk}/webhooks/{subscription.pk}/deliveries/"
    return Listing(community.owner, url, grow)


def _bot_tokens() -> Listing:
    community = CommunityFactory()
    admin = member_of(community, role="admin")

    def grow(i: int) -> str:
        creator = admin if i % 2 else community.owner
        token, _ = bot_token_create(community=community, actor=creator, name=f"令牌{i}")
        if i % 2:  # revoked tokens are listed too, and keep the group under its ten live ones
            bot_token_revoke(token=token, actor=community.owner)
        return token.name

    return Listing(community.owner, f"/leader/communities/{community.pk}/bot-tokens/", grow)


def _bot(url: str, *, grow_chains: bool) -> Callable[[], Listing]:
    """The bot API with a token: more chains, or more orders on one chain."""

    def start() -> Listing:
        setup = open_chain(caps=(500,), stock=1000)
        _, raw = bot_token_create(community=setup.community, actor=setup.leader, name="机器人")

        def grow(i: int) -> str:
            if grow_chains:
                chain = _chain(setup, f"机器人接龙{i}")
                _order(chain, buyer=None, n=i)
                return chain.title
            return str(_order(setup.chain, buyer=None, n=i).number)

        return Listing(
            setup.leader,
            url.format(chain=setup.chain.pk),
            grow,
            headers={"Authorization": f"Bearer {raw}"},
        )

    return start


# --- The member's settings and data ---------------------------------------------------------


def _notification_preferences() -> Listing:
    member = UserFactory()

    def grow(i: int) -> str:
        community = CommunityFactory(name=f"通知{i}群")
        join(community, member)
        return community.name

    return Listing(member, "/notifications/settings/", grow)


def _personal_data(url: str) -> Callable[[], Listing]:
    """One more group, order and coupon of the member each time."""

    def start() -> Listing:
        setup = open_chain(caps=(500,), stock=1000)
        member = UserFactory()

        def grow(i: int) -> str:
            community = CommunityFactory()
            join(community, member)
            coupon_issue(template=make_template(community), owner=member, actor=community.owner)
            order = _order(setup.chain, buyer=member, n=i)
            # The page shows how many records each section holds, the download the records.
            return order.contact_phone if url.endswith(".json") else "订单"

        return Listing(member, url, grow)

    return start


def _coupon_templates(url: str) -> Callable[[], Listing]:
    def start() -> Listing:
        community = CommunityFactory()

        def grow(i: int) -> str:
            template = make_template(community, name=f"满{i + 20}减5")
            coupon_issue(template=template, owner=join(community), actor=community.owner)
            return template.name

        return Listing(community.owner, url.format(community=community.pk), grow)

    return start


def _lessons(url: str) -> Callable[[], Listing]:
    """The syllabus seen by an enrolled member: trial, immediate and drip lessons."""

    def start() -> Listing:
        setup = fitness_course()
        member = UserFactory()
        enrol(setup, member)
        releases = [Lesson.Release.IMMEDIATE, Lesson.Release.DRIP]

        def grow(i: int) -> str:
            details = LessonDetails(
                title=f"第{i}课 核心训练",
                is_trial=i % 3 == 0,
                release=releases[i % 2],
                release_days=i % 2,
            )
            return lesson_create(course=setup.course, actor=setup.leader, details=details).title

        return Listing(member, url.format(course=setup.course.pk), grow)

    return start


def _course_enrollments() -> Listing:
    setup = fitness_course()

    def grow(i: int) -> str:
        student = UserFactory(display_name=f"学员{i}号")
        enrol(setup, student)
        return student.display_name

    return Listing(setup.leader, f"/leader/courses/{setup.course.pk}/", grow)


def _commission_report(url: str) -> Callable[[], Listing]:
    """Finance's report: one more distributor with a paid referred order each time."""

    def start() -> Listing:
        setup = dist_setup()
        finance = staff_user("finance")

        def grow(i: int) -> str:
            user = UserFactory(display_name=f"分销员{i}号")
            distributor = approved(user, community=setup.chain.community, parent=setup.parent)
            paid(setup.chain, code=distributor.code, phone=f"1380001{i:04d}")
            return user.display_name

        return Listing(finance, url, grow)

    return start


CASES = [
    ListCase("home (my chains and orders)", _leader_chains("/")),
    ListCase("leader chain list", _leader_chains("/leader/chains/")),
    ListCase("API my orders", _my_orders),
    ListCase(
        "leader community members", _community_members("/leader/communities/{community}/members/")
    ),
    ListCase(
        "API community members", _community_members("/api/v1/communities/{community}/members/")
    ),
    ListCase(
        "leader announcements", _announcements("/leader/communities/{community}/announcements/")
    ),
    ListCase("API announcements", _announcements("/api/v1/communities/{community}/announcements/")),
    ListCase("leader to-dos", _todos("/leader/communities/{community}/todos/")),
    ListCase("API to-dos", _todos("/api/v1/communities/{community}/todos/")),
    ListCase("leader courses", _leader_courses),
    ListCase("my coupons", _coupons("/my/coupons/")),
    ListCase("API coupons", _coupons("/api/v1/coupons/")),
    ListCase("my distribution", _my_distribution),
    ListCase("leader communities", _communities_of_owner("/leader/communities/")),
    ListCase("API communities", _communities_of_owner("/api/v1/communities/")),
    ListCase(
        "leader invites",
        _invites("/leader/communities/{community}/invites/", requests=False),
    ),
    ListCase(
        "leader join requests",
        _invites("/leader/communities/{community}/invites/", requests=True),
    ),
    ListCase("API invites", _invites("/api/v1/communities/{community}/invites/", requests=False)),
    ListCase(
        "API join requests",
        _invites("/api/v1/communities/{community}/join-requests/", requests=True),
    ),
    ListCase(
        "leader moderation words",
        _moderation_words("/leader/communities/{community}/moderation/"),
    ),
    ListCase(
        "API moderation words",
        _moderation_words("/api/v1/communities/{community}/moderation-words/"),
    ),
    ListCase("member community page", _member_community_page),
    ListCase("leader pickup points", _pickup_points),
    ListCase("leader pick sheet", _chain_entries("/leader/chains/{chain}/pick-sheet/")),
    ListCase("leader chain text", _chain_entries("/leader/chains/{chain}/text/")),
    ListCase("member sessions", _member_sessions("/courses/sessions/")),
    ListCase("API sessions", _member_sessions("/api/v1/courses/sessions/")),
    ListCase("member bookings", _member_bookings("/courses/sessions/")),
    ListCase("API bookings", _member_bookings("/api/v1/courses/bookings/")),
    ListCase("leader sessions", _leader_sessions),
    ListCase("leader session bookings", _session_bookings),
    ListCase("API courses", _api_courses),
    ListCase(
        "membership plans page", _plans("/communities/{community}/membership/", viewer="member")
    ),
    ListCase(
        "API membership plans",
        _plans("/api/v1/membership-plans/?community={community}", viewer="member"),
    ),
    ListCase(
        "leader membership plans",
        _plans("/leader/communities/{community}/memberships/", viewer="leader"),
    ),
    ListCase(
        "API leader membership plans", _plans("/api/v1/leader/membership-plans/", viewer="leader")
    ),
    ListCase("API plan members", _plan_members),
    ListCase("my membership", _my_memberships("/my/membership/", marker="name")),
    ListCase("API subscriptions", _my_memberships("/api/v1/subscriptions/", marker="id")),
    ListCase("leader distributors", _leader_distributors),
    ListCase("finance payout batches", _payout_batches("/finance/distribution/")),
    ListCase("API payout batches", _payout_batches("/api/v1/distribution/payouts/")),
    ListCase("finance payout lines", _payout_lines),
    ListCase("API commission entries", _commission_entries),
    ListCase("leader merchants", _leader_merchants),
    ListCase("advertiser campaigns", _advertiser_campaigns("/ads/reports/")),
    ListCase("API ad campaigns", _advertiser_campaigns("/api/v1/ads/campaigns/")),
    ListCase("campaign dashboard", _advertiser_campaigns("/analytics/campaigns/")),
    ListCase("leader dashboard", _leader_dashboard("/leader/analytics/")),
    ListCase("API leader dashboard", _leader_dashboard("/api/v1/analytics/dashboards/leader/")),
    ListCase("merchant dashboard", _merchant_dashboard("/analytics/merchant/")),
    ListCase(
        "API merchant dashboard", _merchant_dashboard("/api/v1/analytics/dashboards/merchant/")
    ),
    ListCase("leader webhooks", _webhook_index),
    ListCase("webhook subscriptions", _webhook_subscriptions),
    ListCase("webhook deliveries", _webhook_deliveries),
    ListCase("bot tokens", _bot_tokens),
    ListCase("bot API chains", _bot("/api/v1/bot/chains/", grow_chains=True)),
    ListCase("bot API entries", _bot("/api/v1/bot/chains/{chain}/entries/", grow_chains=False)),
    ListCase("bot API orders", _bot("/api/v1/bot/orders/", grow_chains=False)),
    ListCase("notification preferences", _notification_preferences),
    ListCase("privacy page", _personal_data("/my/privacy/")),
    ListCase("privacy export", _personal_data("/my/privacy/export.json")),
    ListCase("leader rewards", _coupon_templates("/leader/communities/{community}/rewards/")),
    ListCase("API coupon templates", _coupon_templates("/api/v1/coupon-templates/")),
    ListCase("course page lessons", _lessons("/courses/{course}/")),
    ListCase("leader course enrollments", _course_enrollments),
    ListCase("finance commission report", _commission_report("/finance/distribution/")),
    ListCase("API commission report", _commission_report("/api/v1/distribution/entries/report/")),
]
