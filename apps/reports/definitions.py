"""The built-in funnels (chain, course, ad, membership) and the scopes they can be asked for.

This module reads the models of the apps above analytics (chains, courses, memberships, ads), so
it belongs with the faces: only views, the API and tasks import it; the runner (funnel.py) and
the event stream know nothing of them.

How each funnel finds its events:
- chain: `chain_viewed` and `chain_form_started` are about the chain; the order events are about
  the order, so they are matched through the chain's entries (`ChainEntry.order_id`), a subquery
  on the (subject_type, subject_id, occurred_at) index. That needs no change to the order path and
  covers every order of the chain, whether placed from the page, the API or by the leader.
  The ids are read first (two small index queries) and passed as arrays, so every step's
  condition is an index condition and the funnel reads only the scope's events.
- course: views and purchases are about the course; trial and completed lessons about a lesson,
  matched through the course's lessons.
- ad: every ad event carries `campaign_id` in its properties (partial expression index).
- membership: the plan page view is about the community; purchases and renewals about a plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.analytics.tracking import FORM_STARTED
from apps.core.errors import InvalidInput
from apps.reports.funnel import (
    FunnelQuery,
    FunnelResult,
    FunnelStep,
    PropertyEquals,
    SubjectIn,
    funnel_run,
)


class FunnelKind(models.TextChoices):
    CHAIN = "chain", gettext_lazy("接龙")
    COURSE = "course", gettext_lazy("课程")
    AD = "ad", gettext_lazy("广告")
    MEMBERSHIP = "membership", gettext_lazy("会员")


class ScopeKind(models.TextChoices):
    CHAIN = "chain", gettext_lazy("接龙")
    COURSE = "course", gettext_lazy("课程")
    CAMPAIGN = "campaign", gettext_lazy("广告计划")
    COMMUNITY = "community", gettext_lazy("社群")
    LEADER = "leader", gettext_lazy("团长")
    MERCHANT = "merchant", gettext_lazy("商家")


# Which scopes each funnel can be asked for.
SCOPES: dict[str, tuple[str, ...]] = {
    FunnelKind.CHAIN: (ScopeKind.CHAIN, ScopeKind.COMMUNITY, ScopeKind.LEADER, ScopeKind.MERCHANT),
    FunnelKind.COURSE: (ScopeKind.COURSE, ScopeKind.COMMUNITY, ScopeKind.MERCHANT),
    FunnelKind.AD: (ScopeKind.CAMPAIGN,),
    FunnelKind.MEMBERSHIP: (ScopeKind.COMMUNITY,),
}

# Long enough for how people really buy each: a chain is open a few days, a course is
# considered for a couple of weeks, a membership renews after its period (a year at most).
DEFAULT_WINDOWS: dict[str, dt.timedelta] = {
    FunnelKind.CHAIN: dt.timedelta(days=3),
    FunnelKind.COURSE: dt.timedelta(days=14),
    FunnelKind.AD: dt.timedelta(days=7),
    FunnelKind.MEMBERSHIP: dt.timedelta(days=400),
}


@dataclass(frozen=True)
class Band:
    """The field's typical range for a figure, in percent (design: reference figures)."""

    low: int
    high: int
    label: str


def typical_band(kind: str) -> Band | None:
    if kind == FunnelKind.CHAIN:
        return Band(8, 15, _("接龙常见转化率"))
    if kind == FunnelKind.COURSE:
        return Band(3, 8, _("课程常见转化率"))
    return None


CTR_BAND = (2, 5)
CHURN_WARNING = 30


@dataclass(frozen=True)
class Scope:
    kind: str
    id: int


def _chain_querysets(scope: Scope) -> tuple[QuerySet[Any, Any], QuerySet[Any, Any]]:
    from apps.chains.models import Chain, ChainEntry

    if scope.kind == ScopeKind.CHAIN:
        chains = Chain.objects.filter(pk=scope.id)
    elif scope.kind == ScopeKind.COMMUNITY:
        chains = Chain.objects.filter(community_id=scope.id)
    elif scope.kind == ScopeKind.LEADER:
        chains = Chain.objects.filter(leader_id=scope.id)
    else:
        chains = Chain.objects.filter(items__sku__product__merchant_id=scope.id)
    chain_ids = chains.order_by().values("pk")
    orders = ChainEntry.objects.filter(chain__in=chain_ids).order_by().values("order_id")
    return chain_ids, orders


def _ids(queryset: QuerySet[Any, Any], field: str = "pk") -> tuple[int, ...]:
    """The scope's ids as a list: `subject_id = ANY(ids)` inside each step's OR arm is an index
    condition on (subject_type, subject_id, occurred_at), where a subquery there is not (the
    planner falls back to scanning every event of the range)."""
    return tuple(queryset.values_list(field, flat=True))


def chain_steps(scope: Scope) -> tuple[FunnelStep, ...]:
    chain_qs, order_qs = _chain_querysets(scope)
    chains, orders = _ids(chain_qs), _ids(order_qs, "order_id")
    on_chain = (SubjectIn("chains.chain", chains),)
    on_order = (SubjectIn("orders.order", orders),)
    return (
        FunnelStep("chain_viewed", _("浏览接龙"), on_chain),
        FunnelStep(FORM_STARTED, _("开始填写"), on_chain),
        FunnelStep("order_placed", _("下单"), on_order),
        FunnelStep("order_paid", _("付款"), on_order),
        FunnelStep("order_completed", _("取货"), on_order),
    )


def course_steps(scope: Scope) -> tuple[FunnelStep, ...]:
    from apps.courses.models import Course, Lesson

    courses: QuerySet[Course]
    if scope.kind == ScopeKind.COURSE:
        courses = Course.objects.filter(pk=scope.id)
    elif scope.kind == ScopeKind.COMMUNITY:
        courses = Course.objects.filter(community_id=scope.id)
    else:
        courses = Course.objects.filter(merchant_id=scope.id)
    course_ids = _ids(courses.order_by().values("pk"))
    lesson_ids = _ids(Lesson.objects.filter(course__in=course_ids).order_by().values("pk"))
    on_course = (SubjectIn("courses.course", course_ids),)
    on_lesson = (SubjectIn("courses.lesson", lesson_ids),)
    return (
        FunnelStep("course_viewed", _("浏览课程"), on_course),
        FunnelStep("trial_lesson_opened", _("试听"), on_lesson),
        FunnelStep("course_bought", _("购买"), on_course),
        FunnelStep("lesson_completed", _("完成第一课"), on_lesson),
    )


def ad_steps(scope: Scope) -> tuple[FunnelStep, ...]:
    on_campaign = (PropertyEquals("campaign_id", scope.id),)
    return (
        FunnelStep("ad_impression", _("展示"), on_campaign),
        FunnelStep("ad_click", _("点击"), on_campaign),
        FunnelStep("ad_order_placed", _("下单"), on_campaign),
        FunnelStep("ad_order_paid", _("付款"), on_campaign),
    )


def membership_steps(scope: Scope) -> tuple[FunnelStep, ...]:
    from apps.memberships.models import MembershipPlan

    plans = _ids(MembershipPlan.objects.filter(community_id=scope.id).order_by().values("pk"))
    on_plan = (SubjectIn("memberships.membershipplan", plans),)
    return (
        FunnelStep(
            "membership_plan_viewed",
            _("浏览会员"),
            (SubjectIn("communities.community", (scope.id,)),),
        ),
        FunnelStep("membership_bought", _("购买会员"), on_plan),
        FunnelStep("membership_renewed", _("续费"), on_plan),
    )


STEP_BUILDERS: dict[str, Callable[[Scope], tuple[FunnelStep, ...]]] = {
    FunnelKind.CHAIN: chain_steps,
    FunnelKind.COURSE: course_steps,
    FunnelKind.AD: ad_steps,
    FunnelKind.MEMBERSHIP: membership_steps,
}


def funnel_query_build(
    *,
    kind: str,
    scope: Scope,
    date_from: dt.date,
    date_to: dt.date,
    window: dt.timedelta | None = None,
    dropoff_limit: int = 0,
) -> FunnelQuery:
    if kind not in STEP_BUILDERS:
        raise InvalidInput(_("未知的漏斗类型"), field="kind")
    if scope.kind not in SCOPES[kind]:
        raise InvalidInput(_("这个漏斗不能按该范围查询"), field="scope")
    return FunnelQuery(
        steps=STEP_BUILDERS[kind](scope),
        date_from=date_from,
        date_to=date_to,
        window=window if window is not None else DEFAULT_WINDOWS[kind],
        dropoff_limit=dropoff_limit,
    )


def builtin_funnel_run(
    *,
    kind: str,
    scope: Scope,
    date_from: dt.date,
    date_to: dt.date,
    window: dt.timedelta | None = None,
    dropoff_limit: int = 0,
) -> FunnelResult:
    return funnel_run(
        funnel_query_build(
            kind=kind,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            window=window,
            dropoff_limit=dropoff_limit,
        )
    )
