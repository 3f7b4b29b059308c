"""Membership pages: a community's plans (buy, start a trial), "my membership", and the
leader's plans, members and pending payments.

A community the user does not run is a 404 on the leader's pages, so its existence is not
revealed; the services check permissions again for any other caller.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.analytics.tracking import track
from apps.analytics.visitors import visitor_id
from apps.communities.models import Community
from apps.core.errors import DomainError, NotFound
from apps.core.forms import add_domain_error
from apps.memberships import selectors, services
from apps.memberships.forms import PlanForm
from apps.memberships.models import MembershipPlan
from apps.payments import services as payments


@require_http_methods(["GET", "POST"])
def plans_page(request: HttpRequest, community_id: int) -> HttpResponse:
    community = get_object_or_404(Community, pk=community_id, dissolved_at=None)
    plans = list(selectors.plans_on_sale(community=community))
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        user: User = request.user
        plan = next((p for p in plans if str(p.pk) == request.POST.get("plan", "")), None)
        try:
            if plan is None:
                raise NotFound(_("会员方案不存在"))
            if request.POST.get("action") == "trial":
                subscription = services.subscription_trial_start(plan=plan, user=user)
                messages.success(
                    request,
                    _("试用已开通，%(date)s 前享受会员权益")
                    % {"date": f"{subscription.ends_at:%Y-%m-%d}"},
                )
            else:
                services.membership_order_create(plan=plan, buyer=user)
                messages.success(request, _("订单已生成，请完成付款，付款后会员立即生效"))
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect("memberships:mine")
    else:
        track(
            "membership_plan_viewed",
            actor=request.user,
            community=community.pk,
            subject=community,
            properties={"plans": [plan.pk for plan in plans]},
            distinct_id=visitor_id(request),
        )
    mine = (
        {s.plan_id: s for s in selectors.subscriptions_of(user=request.user)}
        if request.user.is_authenticated
        else {}
    )
    rows = [
        {
            "plan": plan,
            "subscription": mine.get(plan.pk),
            "price": selectors.plan_price_for(plan=plan, subscription=mine.get(plan.pk)),
            "trial_open": plan.trial_days > 0
            and (mine.get(plan.pk) is None or not mine[plan.pk].periods.all()),
        }
        for plan in plans
    ]
    context = {"community": community, "rows": rows}
    return render(request, "memberships/plans.html", context, status=status)


@login_required
def my_membership(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "subscriptions": selectors.subscriptions_of(user=user),
        "pending_orders": selectors.pending_orders_of(user=user),
    }
    return render(request, "memberships/mine.html", context)


def _managed(request: HttpRequest, community_id: int) -> Community:
    try:
        return selectors.community_for_manager(
            user=request.user,  # type: ignore[arg-type]
            community_id=community_id,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_http_methods(["GET", "POST"])
def leader_memberships(request: HttpRequest, community_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    community = _managed(request, community_id)
    action = request.POST.get("action") if request.method == "POST" else None
    form = PlanForm(request.POST if action == "plan" else None, community=community)
    status = 200
    if action == "plan":
        if form.is_valid():
            try:
                plan = services.plan_create(
                    community=community,
                    actor=user,
                    period=form.cleaned_data["period"],
                    terms=form.terms(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("会员方案“%(name)s”已创建") % {"name": plan.name})
                return redirect("memberships:leader", community_id=community.pk)
        else:
            status = 400
    elif action == "confirm":
        order = (
            selectors.community_pending_orders(community=community)
            .filter(pk=request.POST.get("order", "").strip() or 0)
            .first()
        )
        if order is None:
            raise Http404(_("订单不存在"))
        try:
            payments.payment_record_offline(order=order, actor=user, method="cash")
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, _("已确认收款，会员已生效"))
            return redirect("memberships:leader", community_id=community.pk)
    elif action is not None:
        raise Http404
    context = {
        "community": community,
        "form": form,
        "plans": MembershipPlan.objects.filter(community=community).order_by("-active", "pk"),
        "subscriptions": selectors.community_subscriptions(community=community),
        "pending_orders": selectors.community_pending_orders(community=community),
        "summary": selectors.membership_summary(community=community),
    }
    return render(request, "memberships/leader/memberships.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def leader_plan_edit(request: HttpRequest, community_id: int, plan_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    community = _managed(request, community_id)
    try:
        plan = selectors.plan_for_manager(user=user, plan_id=plan_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if plan.community_id != community.pk:
        raise Http404(_("会员方案不存在"))
    initial = {
        "name": plan.name,
        "price": plan.price,
        "benefits": plan.benefits,
        "trial_days": plan.trial_days,
        "monthly_coupon": plan.monthly_coupon_id,
        "active": plan.active,
    }
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        community=community,
        plan=plan,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.plan_update(plan=plan, actor=user, terms=form.terms())
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, _("会员方案已保存，已开通的会员按原价格和期限不变"))
                return redirect("memberships:leader", community_id=community.pk)
        else:
            status = 400
    context = {"community": community, "plan": plan, "form": form}
    return render(request, "memberships/leader/plan_edit.html", context, status=status)
