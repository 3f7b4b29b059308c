"""Two tenants for the authorization matrix.

Tenant A owns one of everything (a community, a merchant, a chain with a paid order, a course
with a lesson, a session and a booking, a membership plan with a subscriber, a distributor with
commission, a payout batch, invites, announcements, coupons…), every text carrying a MARKER.
The outsider owns the same roles in tenant B (group owner and leader, merchant staff in the
admin, distributor, member and buyer) but nothing of A, so whatever the outsider is shown must
never contain a MARKER, and whatever the outsider posts must leave A's rows as they were.
"""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.chains.services import chain_order_place
from apps.communities import content, invites, moderation
from apps.communities.models import Community, Invite, JoinRequest
from apps.courses.models import Booking, Course, Lesson, LiveSession
from apps.courses.services import (
    CourseDetails,
    LessonDetails,
    course_buy,
    course_create,
    lesson_create,
    session_book,
)
from apps.distribution.models import CommissionEntry, Distributor, PayoutBatch
from apps.memberships.models import MembershipPlan
from apps.orders.models import Order
from apps.orders.services import order_mark_paid
from apps.payments.models import Payment
from apps.rewards.models import CouponTemplate
from tests.accounts.factories import UserFactory
from tests.chains.factories import ChainSetup, open_chain
from tests.communities.factories import member_of
from tests.courses.factories import CourseSetup, coaching_slot
from tests.distribution.factories import approved
from tests.memberships.factories import buy, make_plan
from tests.rewards.factories import make_template

MARKER = "甲方机密"  # tenant A's business data: titles, names of its group, chain, courses…
PRIVATE = f"{MARKER}个人"  # A's people: buyers' names, notes, applicants, staff, distributors
MISSING = 2**30  # an id no row has: routes to objects the world does not build


@dataclass
class World:
    outsider: User
    owner: User
    staff: User
    chain: ChainSetup
    order: Order
    course: Course
    lesson: Lesson
    course_order: Order
    session: LiveSession
    booking: Booking
    plan: MembershipPlan
    distributor: Distributor
    commission: CommissionEntry | None
    batch: PayoutBatch
    invite: Invite
    join_request: JoinRequest
    coupon_template: CouponTemplate
    todo: Any
    word: Any
    payment: Payment | None

    def fingerprint(self) -> list[Any]:
        """What an outsider's request must not change in tenant A."""
        community = Community.objects.get(pk=self.chain.community.pk)
        return [
            community.name,
            community.dissolved_at,
            community.requires_approval,
            list(community.memberships.order_by("pk").values_list("pk", "role", "left_at")),
            list(
                Order.objects.filter(community=community)
                .exclude(buyer=self.outsider)  # the outsider may buy A's courses and plans
                .order_by("pk")
                .values_list("pk", "status", "paid_amount", "refunded_amount")
            ),
            list(
                self.chain.chain.__class__.objects.filter(community=community).values_list(
                    "pk", "status", "title"
                )
            ),
            list(Course.objects.filter(community=community).values_list("pk", "title", "active")),
            list(Lesson.objects.filter(course=self.course).values_list("pk", "title")),
            list(
                Booking.objects.exclude(user=self.outsider)
                .order_by("pk")
                .values_list("pk", "status")
            ),
            list(MembershipPlan.objects.filter(community=community).values_list("pk", "price")),
            list(Distributor.objects.order_by("pk").values_list("pk", "status")),
            CommissionEntry.objects.count(),
            list(PayoutBatch.objects.order_by("pk").values_list("pk", "status")),
            list(Invite.objects.order_by("pk").values_list("pk", "revoked_at")),
            list(JoinRequest.objects.order_by("pk").values_list("pk", "status")),
            list(CouponTemplate.objects.order_by("pk").values_list("pk", "active")),
        ]


def _staff_of(user: User, merchant: Any) -> None:
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=Role.MERCHANT_STAFF))
    merchant.staff.add(user)


def _tenant_b() -> User:
    """The outsider: owner of community B, merchant B's staff, a distributor and a buyer in B."""
    b = open_chain(caps=(5,))
    outsider = b.leader
    _staff_of(outsider, b.skus[0].product.merchant)
    approved(outsider, community=b.community)
    chain_order_place(
        chain=b.chain,
        buyer=outsider,
        contact_name="乙方顾客",
        contact_phone="13700000009",
        quantities={b.items[0].pk: 1},
        pickup_point=b.pickup_points[0],
        submission_token=secrets.token_hex(8),
    )
    return outsider


def build_world() -> World:
    a = open_chain(caps=(20,))
    community = a.community
    owner = a.leader
    Community.objects.filter(pk=community.pk).update(name=f"{MARKER}群", description=MARKER)
    a.chain.__class__.objects.filter(pk=a.chain.pk).update(title=f"{MARKER}接龙")
    # Merchant names are public (leaders browse merchants to apply to sell their goods).
    merchant = a.skus[0].product.merchant
    a.skus[0].product.__class__.objects.filter(pk=a.skus[0].product.pk).update(
        title=f"{MARKER}商品"
    )
    staff = UserFactory(display_name=f"{PRIVATE}店员")
    _staff_of(staff, merchant)

    buyer = member_of(community, display_name=f"{PRIVATE}会员")
    parent = approved(UserFactory(), community=community)
    distributor = approved(
        UserFactory(display_name=f"{PRIVATE}分销"), community=community, parent=parent
    )
    from apps.distribution.models import CommissionRule

    CommissionRule.objects.create(
        name="默认",
        scope=CommissionRule.Scope.DEFAULT,
        level1_value=Decimal("10"),
        level2_value=Decimal("5"),
    )
    entry = chain_order_place(
        chain=a.chain,
        buyer=buyer,
        contact_name=f"{PRIVATE}顾客",
        contact_phone="13912345678",
        quantities={a.items[0].pk: 2},
        pickup_point=a.pickup_points[0],
        submission_token=secrets.token_hex(8),
        note=f"{PRIVATE}备注",
        referral_code=distributor.code,
    )
    order = order_mark_paid(order=entry.order, actor=owner)

    course = course_create(
        actor=owner,
        community=community,
        details=CourseDetails(
            title=f"{MARKER}课程",
            description=MARKER,
            instructor_name="李教练",
            price=Decimal("399.00"),
        ),
    )
    lesson = lesson_create(
        course=course, actor=owner, details=LessonDetails(title=f"{MARKER}第一课")
    )
    course_order = course_buy(course=course, buyer=buyer)
    setup = CourseSetup(course=course, community=community, leader=owner)
    session = coaching_slot(setup, capacity=3)
    LiveSession.objects.filter(pk=session.pk).update(title=f"{MARKER}私教")
    booking = session_book(session=session, user=buyer)

    plan = make_plan(community=community)
    MembershipPlan.objects.filter(pk=plan.pk).update(name=f"{MARKER}会员卡")
    buy(plan, buyer)

    finance = UserFactory(is_staff=True)
    finance.groups.add(Group.objects.get(name=Role.FINANCE))
    batch = PayoutBatch.objects.create(
        period_start=date.today() - timedelta(days=30),
        period_end=date.today(),
        total_amount=Decimal("1.00"),
        reference=MARKER,
        created_by=finance,
    )
    invite = invites.invite_create(community=community, actor=owner)
    Community.objects.filter(pk=community.pk).update(requires_approval=True)
    applicant = UserFactory(display_name=f"{PRIVATE}申请人")
    join_request = invites.invite_redeem(code=invite.code, user=applicant)
    Community.objects.filter(pk=community.pk).update(requires_approval=False)
    content.announcement_post(community=community, actor=owner, body=f"{MARKER}公告")
    todo = content.todo_create(
        community=community,
        actor=owner,
        title=f"{MARKER}待办",
        due_at=timezone.now() + timedelta(days=1),
    )
    word = moderation.moderation_word_add(community=community, actor=owner, word="甲方禁词")
    template = make_template(community, name=f"{MARKER}券")

    outsider = _tenant_b()
    assert isinstance(join_request, JoinRequest)
    return World(
        outsider=outsider,
        owner=owner,
        staff=staff,
        chain=a,
        order=order,
        course=course,
        lesson=lesson,
        course_order=course_order,
        session=session,
        booking=booking,
        plan=plan,
        distributor=distributor,
        commission=CommissionEntry.objects.filter(order=order).order_by("pk").first(),
        batch=batch,
        invite=invite,
        join_request=join_request,
        coupon_template=template,
        todo=todo,
        word=word,
        payment=Payment.objects.filter(order=order).first(),
    )
