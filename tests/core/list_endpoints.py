"""List pages and endpoints whose query count must not grow with what they list.

Each case sets up a viewer and a URL and returns `grow(i)`, which adds one more listed thing and
returns a text the response must then contain (so a case cannot pass by listing nothing).
tests/core/test_list_query_counts.py pins every case at two sizes; `python -m bench queries`
prints the counts. Lists whose own tests already pin two sizes (the chain page, the leader's chain
page, the chains API, the membership page) are not repeated here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.accounts.models import User
from apps.chains.models import Chain
from apps.chains.services import ChainDetails, ItemSpec, chain_create, chain_open, chain_order_place
from apps.communities.content import announcement_post, todo_create
from apps.courses.services import CourseDetails, course_create
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from apps.rewards.services import coupon_issue
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import CommunityFactory, member_of
from tests.distribution.factories import approved
from tests.rewards.factories import join, make_template

Grow = Callable[[int], str]


@dataclass(frozen=True)
class Listing:
    viewer: User
    url: str
    grow: Grow


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
]
