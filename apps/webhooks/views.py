"""The leader's pages for a community's webhooks and bot tokens (owner or admin only).

Pages load the community through the visitor's membership (communities' `community_page`: a
stranger gets 404, a plain member 403) and a subscription or token only among that community's
own, so another community's id is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.communities.access import community_page
from apps.communities.models import Community, Membership
from apps.communities.selectors import communities_managed_by
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error
from apps.webhooks import selectors, services
from apps.webhooks.forms import BotTokenForm, SubscriptionEditForm, SubscriptionForm
from apps.webhooks.models import BotToken, WebhookSubscription
from apps.webhooks.signing import SIGNATURE_HEADER

DELIVERIES_PER_PAGE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _subscription(community: Community, subscription_id: int) -> WebhookSubscription:
    subscription = selectors.subscriptions_of(community).filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404(_("订阅不存在"))
    return subscription


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every community the leader runs, with its subscriptions and active tokens counted."""
    communities = (
        communities_managed_by(_user(request))
        .annotate(
            subscription_count=Count("webhook_subscriptions", distinct=True),
            token_count=Count("bot_tokens", filter=Q(bot_tokens__revoked_at=None), distinct=True),
        )
        .order_by("name", "pk")
    )
    return render(request, "webhooks/index.html", {"communities": communities})


@community_page()
def subscription_list(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    return render(
        request,
        "webhooks/subscription_list.html",
        {
            "community": community,
            "subscriptions": selectors.subscriptions_with_counts(community),
            "signature_header": SIGNATURE_HEADER,
        },
    )


@community_page()
def subscription_create(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.subscription_create(
                community=community, actor=_user(request), **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("已添加订阅，签名密钥见下方"))
            return redirect("webhooks:edit", community_id=community.pk, pk=subscription.pk)
    return render(
        request, "webhooks/subscription_form.html", {"community": community, "form": form}
    )


@community_page()
def subscription_edit(
    request: HttpRequest, community: Community, me: Membership, pk: int
) -> HttpResponse:
    subscription = _subscription(community, pk)
    form = SubscriptionEditForm(
        request.POST or None,
        initial={
            "url": subscription.url,
            "event_types": subscription.event_types,
            "description": subscription.description,
            "active": subscription.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(
                subscription=subscription, actor=_user(request), **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("webhooks:edit", community_id=community.pk, pk=subscription.pk)
    recent = list(selectors.delivery_log(subscription)[:10])
    return render(
        request,
        "webhooks/subscription_form.html",
        {
            "community": community,
            "form": form,
            "subscription": subscription,
            "deliveries": recent,
            "signature_header": SIGNATURE_HEADER,
        },
    )


@community_page()
def delivery_log(
    request: HttpRequest, community: Community, me: Membership, pk: int
) -> HttpResponse:
    subscription = _subscription(community, pk)
    page = Paginator(selectors.delivery_log(subscription), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "webhooks/delivery_log.html",
        {"community": community, "subscription": subscription, "page": page},
    )


SUBSCRIPTION_ACTIONS = {
    "test": gettext_noop("测试消息已排队发送，稍后刷新查看结果"),
    "rotate": gettext_noop("已更换签名密钥，请同步更新接收方"),
    "delete": gettext_noop("已删除订阅"),
}


@require_POST
@community_page()
def subscription_action(
    request: HttpRequest, community: Community, me: Membership, pk: int, action: str
) -> HttpResponse:
    subscription = _subscription(community, pk)
    user = _user(request)
    try:
        if action == "test":
            services.subscription_send_test(subscription=subscription, actor=user)
        elif action == "rotate":
            services.subscription_secret_rotate(subscription=subscription, actor=user)
        elif action == "delete":
            services.subscription_delete(subscription=subscription, actor=user)
        else:
            raise Http404(_("未知操作"))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _(SUBSCRIPTION_ACTIONS[action]))
    if action == "delete":
        return redirect("webhooks:list", community_id=community.pk)
    return redirect("webhooks:edit", community_id=community.pk, pk=subscription.pk)


@community_page()
def bot_tokens(request: HttpRequest, community: Community, me: Membership) -> HttpResponse:
    """List and create. A new token's value is shown in this response only, never again."""
    form = BotTokenForm(request.POST or None)
    created: tuple[BotToken, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.bot_token_create(
                community=community, actor=_user(request), name=form.cleaned_data["name"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            form = BotTokenForm()
    response = render(
        request,
        "webhooks/bot_tokens.html",
        {
            "community": community,
            "form": form,
            "tokens": selectors.bot_tokens_of(community),
            "created": created,
            "api_base": request.build_absolute_uri("/api/v1/bot/"),
        },
    )
    if created is not None:
        response["Cache-Control"] = "no-store"  # the plain token must not sit in a cache
    return response


@require_POST
@community_page()
def bot_token_revoke(
    request: HttpRequest, community: Community, me: Membership, pk: int
) -> HttpResponse:
    token = BotToken.objects.filter(community=community, pk=pk).first()
    if token is None:
        raise Http404(_("令牌不存在"))
    try:
        services.bot_token_revoke(token=token, actor=_user(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已撤销令牌 %(name)s") % {"name": token.name})
    return redirect("webhooks:tokens", community_id=community.pk)
