"""Rewards pages: a member's check-in page and coupons; the leader's rewards page.

A community the user does not belong to (or, on the leader's page, does not run) is a 404, so
its existence is not revealed; the services check permissions again for any other caller.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.communities.models import Community
from apps.core.errors import DomainError, NotFound
from apps.core.forms import add_domain_error
from apps.rewards import selectors, services
from apps.rewards.forms import CouponIssueForm, CouponTemplateForm, WelcomeGiftForm
from apps.rewards.models import CouponTemplate, WelcomeGift


def _community(
    loader: Callable[..., Community], request: HttpRequest, community_id: int
) -> Community:
    try:
        return loader(user=request.user, community_id=community_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_http_methods(["GET", "POST"])
def check_in_page(request: HttpRequest, community_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    community = _community(selectors.community_for_member, request, community_id)
    status = 200
    if request.method == "POST":
        try:
            if "template" in request.POST:
                template = (
                    selectors.coupon_templates_exchangeable(community=community)
                    .filter(pk=request.POST.get("template", "").strip() or 0)
                    .first()
                )
                if template is None:
                    raise NotFound(_("这张优惠券不能兑换"))
                coupon = services.coupon_exchange_points(template=template, user=user)
                messages.success(request, _("兑换成功：%(name)s") % {"name": coupon.template.name})
            else:
                result = services.check_in_record(community=community, user=user)
                if result.created:
                    messages.success(
                        request,
                        _("打卡成功，连续 %(days)s 天，获得 %(points)s 积分")
                        % {"days": result.check_in.streak, "points": result.check_in.points},
                    )
                else:
                    messages.info(request, _("今天已经打过卡了"))
        except DomainError as error:
            messages.error(request, error.message)
            status = error.status
        else:
            return redirect("rewards:check_in", community_id=community.pk)
    since = selectors.month_start()
    context = {
        "community": community,
        "summary": selectors.points_summary(community=community, user=user),
        "month_board": selectors.leaderboard(community=community, since=since),
        "all_time_board": selectors.leaderboard(community=community),
        "exchangeable": selectors.coupon_templates_exchangeable(community=community),
        "entries": selectors.points_entries(community=community, user=user)[:20],
    }
    return render(request, "rewards/check_in.html", context, status=status)


@login_required
def my_coupons(request: HttpRequest) -> HttpResponse:
    coupons = selectors.coupons_of(user=request.user)  # type: ignore[arg-type]
    return render(request, "rewards/my_coupons.html", {"coupons": coupons})


@login_required
@require_http_methods(["GET", "POST"])
def leader_rewards(request: HttpRequest, community_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    community = _community(selectors.community_for_manager, request, community_id)
    gift = WelcomeGift.objects.filter(community=community).first()
    action = request.POST.get("action") if request.method == "POST" else None
    welcome_form = WelcomeGiftForm(
        request.POST if action == "welcome" else None,
        community=community,
        initial={"coupon_template": gift.coupon_template_id, "points": gift.points}
        if gift
        else None,
    )
    template_form = CouponTemplateForm(request.POST if action == "template" else None)
    issue_form = CouponIssueForm(request.POST if action == "issue" else None, community=community)
    status = 200
    if action is not None:
        form = {"welcome": welcome_form, "template": template_form, "issue": issue_form}.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                message = _do(action=action, form=form, community=community, user=user)
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                messages.success(request, message)
                return redirect("rewards:leader_rewards", community_id=community.pk)
        else:
            status = 400
    context = {
        "community": community,
        "gift": gift,
        "welcome_form": welcome_form,
        "template_form": template_form,
        "issue_form": issue_form,
        "templates": selectors.coupon_templates_of(community),
        "month_board": selectors.leaderboard(community=community, since=selectors.month_start()),
        "all_time_board": selectors.leaderboard(community=community),
    }
    return render(request, "rewards/leader/rewards.html", context, status=status)


def _do(*, action: str, form: object, community: Community, user: User) -> str:
    data = form.cleaned_data  # type: ignore[attr-defined]
    if action == "welcome":
        services.welcome_gift_set(
            community=community,
            actor=user,
            coupon_template=data["coupon_template"],
            points=data["points"],
        )
        return _("见面礼已保存，新成员入群时自动发放")
    if action == "template":
        template = services.coupon_template_create(
            community=community,
            actor=user,
            terms=form.terms(),  # type: ignore[attr-defined]
        )
        return _("优惠券“%(name)s”已创建") % {"name": template.name}
    template_obj: CouponTemplate = data["template"]
    coupon = services.coupon_issue(template=template_obj, owner=data["member"].user, actor=user)
    return _("已发给 %(name)s，券码 %(code)s") % {
        "name": data["member"].nickname or coupon.owner.shown_name,
        "code": coupon.code,
    }
