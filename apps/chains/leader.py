"""The leader's side: create and run chains, work through entries, copy text, pick sheets."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.chains import exports, selectors, services
from apps.chains.filters import EntryFilter
from apps.chains.forms import ChainForm, ChainItemFormSet, PickupPointForm, RefundForm
from apps.chains.models import Chain, ChainEntry, PickupPoint
from apps.chains.pickup_points import pickup_point_create, pickup_point_set_active
from apps.communities.selectors import communities_managed_by
from apps.core.errors import DomainError, NotFound
from apps.core.forms import add_domain_error
from apps.orders import services as orders
from apps.payments import services as payments
from apps.payments.selectors import order_online_payment

View = Callable[..., HttpResponse]


def leader_chain_view(view: View) -> View:
    """Log in, then load the chain only among those the user runs: anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, chain_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            chain = selectors.chain_for_leader(user=request.user, chain_id=chain_id)  # type: ignore[arg-type]
        except NotFound as exc:
            raise Http404(exc.message) from exc
        return view(request, chain, *args, **kwargs)

    return wrapper


@login_required
def chain_list(request: HttpRequest) -> HttpResponse:
    chains = selectors.chains_led_by(request.user).order_by("-created_at")  # type: ignore[arg-type]
    return render(request, "chains/leader/chain_list.html", {"chains": chains})


@login_required
def chain_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ChainForm(request.POST or None, leader=user)
    items = ChainItemFormSet(request.POST or None, form_kwargs={"leader": user}, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        try:
            chain = services.chain_create(
                leader=user,
                community=form.cleaned_data["community"],
                details=form.details(),
                items=items.specs(),
                pickup_points=list(form.cleaned_data["pickup_points"]),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("接龙已创建，确认无误后点击“开团”"))
            return redirect("chains:leader_chain", chain_id=chain.pk)
    return render(
        request, "chains/leader/chain_form.html", {"form": form, "items": items, "chain": None}
    )


@leader_chain_view
def chain_edit(request: HttpRequest, chain: Chain) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    initial = {
        "community": chain.community_id,
        "title": chain.title,
        "description": chain.description,
        "opens_at": timezone.localtime(chain.opens_at),
        "closes_at": timezone.localtime(chain.closes_at),
        "fulfilment": chain.fulfilment,
        "min_group_size": chain.min_group_size,
        "members_only": chain.members_only,
        "pickup_points": list(chain.pickup_points.all()),
    }
    item_initial = [
        {
            "sku": item.sku_id,
            "title": item.title,
            "group_price": item.group_price,
            "member_price": item.member_price,
            "stock_cap": item.stock_cap,
            "per_person_limit": item.per_person_limit,
        }
        for item in chain.items.all()
    ]
    form = ChainForm(request.POST or None, leader=user, initial=initial)
    form.fields["community"].disabled = True
    editable_items = chain.status == Chain.Status.DRAFT
    items = ChainItemFormSet(
        request.POST or None if editable_items else None,
        form_kwargs={"leader": user},
        prefix="items",
        initial=item_initial,
    )
    if request.method == "POST" and form.is_valid() and (not editable_items or items.is_valid()):
        try:
            services.chain_update(
                chain=chain,
                actor=user,
                details=form.details(),
                items=items.specs() if editable_items else None,
                pickup_points=list(form.cleaned_data["pickup_points"]),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("接龙已保存"))
            return redirect("chains:leader_chain", chain_id=chain.pk)
    return render(
        request,
        "chains/leader/chain_form.html",
        {"form": form, "items": items, "chain": chain, "editable_items": editable_items},
    )


@leader_chain_view
def chain_manage(request: HttpRequest, chain: Chain) -> HttpResponse:
    entries = EntryFilter(
        request.GET or None, queryset=selectors.entries_with_lines(chain), chain=chain
    )
    return render(
        request,
        "chains/leader/chain_manage.html",
        {
            "chain": chain,
            "filter": entries,
            "entries": entries.qs,
            "summary": selectors.chain_summary(chain),
            "totals": selectors.item_totals(chain),
            "items": chain.items.all(),
            "public_url": request.build_absolute_uri(f"/c/{chain.slug}/"),
        },
    )


# The done messages are marked for translation here and translated when shown.
CHAIN_ACTIONS: dict[str, tuple[Callable[..., Chain], str]] = {
    "open": (services.chain_open, gettext_noop("已开团，把链接发到群里吧")),
    "close": (services.chain_close, gettext_noop("已截单")),
    "cancel": (
        services.chain_cancel,
        gettext_noop("接龙已取消，未付款订单已取消，已付款订单已退款"),
    ),
}


@require_POST
@leader_chain_view
def chain_action(request: HttpRequest, chain: Chain, action: str) -> HttpResponse:
    if action not in CHAIN_ACTIONS:
        raise Http404(_("未知操作"))
    service, done = CHAIN_ACTIONS[action]
    try:
        service(chain=chain, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _(done))
    return redirect("chains:leader_chain", chain_id=chain.pk)


ENTRY_ACTIONS: dict[str, tuple[Callable[..., Any], str]] = {
    "mark_paid": (payments.payment_record_offline, gettext_noop("已标记付款")),
    "mark_ready": (orders.order_mark_ready, gettext_noop("已标记待自提")),
    "complete": (orders.order_complete, gettext_noop("已核销")),
    "cancel": (orders.order_cancel, gettext_noop("已取消")),
}


@require_POST
@leader_chain_view
def entries_action(request: HttpRequest, chain: Chain) -> HttpResponse:
    """Apply one transition to the selected entries; each succeeds or reports on its own."""
    action = request.POST.get("action", "")
    if action not in ENTRY_ACTIONS:
        messages.error(request, _("请选择要执行的操作"))
        return redirect("chains:leader_chain", chain_id=chain.pk)
    service, done = ENTRY_ACTIONS[action]
    ids = [int(value) for value in request.POST.getlist("entry") if value.isdigit()]
    entries = ChainEntry.objects.filter(chain=chain, pk__in=ids).select_related("order")
    succeeded, failures = 0, []
    for entry in entries:
        try:
            service(order=entry.order, actor=request.user)
            succeeded += 1
        except DomainError as error:
            failures.append(f"#{entry.sequence} {error.message}")
    if succeeded:
        messages.success(
            request,
            ngettext("%(done)s：%(count)s 单", "%(done)s：%(count)s 单", succeeded)
            % {"done": _(done), "count": succeeded},
        )
    for failure in failures:
        messages.error(request, failure)
    if not ids:
        messages.error(request, _("请先勾选订单"))
    return redirect(request.POST.get("next") or f"/leader/chains/{chain.pk}/")


@require_POST
@leader_chain_view
def pickup_by_code(request: HttpRequest, chain: Chain) -> HttpResponse:
    code = request.POST.get("code", "").strip()
    entry = ChainEntry.objects.filter(chain=chain, pickup_code=code).select_related("order").first()
    if entry is None:
        messages.error(request, _("核销码 %(code)s 不存在") % {"code": code})
    else:
        try:
            orders.order_complete(order=entry.order, actor=request.user)  # type: ignore[arg-type]
        except DomainError as error:
            messages.error(request, f"#{entry.sequence} {error.message}")
        else:
            messages.success(
                request,
                _("#%(sequence)s %(name)s 已取货")
                % {"sequence": entry.sequence, "name": entry.order.contact_name},
            )
    return redirect("chains:leader_chain", chain_id=chain.pk)


@leader_chain_view
def entry_refund(request: HttpRequest, chain: Chain, entry_id: int) -> HttpResponse:
    entry = ChainEntry.objects.filter(chain=chain, pk=entry_id).select_related("order").first()
    if entry is None:
        raise Http404(_("订单不存在"))
    form = RefundForm(request.POST or None, order=entry.order)
    if request.method == "POST" and form.is_valid():
        try:
            # Paid through WeChat Pay (or the sandbox), the money goes back the same way.
            outcome = payments.order_refund_request(
                order=entry.order,
                actor=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
                quantities=form.quantities(),
                restock=form.cleaned_data["restock"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if outcome.refund is None:
                done = _("已退款 ¥%(amount)s，请把钱退给 %(name)s")
            elif outcome.pending:
                done = _("已向微信支付申请退款 ¥%(amount)s，退回 %(name)s 后自动记入订单")
            else:
                done = _("已原路退款 ¥%(amount)s 给 %(name)s")
            messages.success(
                request, done % {"amount": outcome.amount, "name": entry.order.contact_name}
            )
            return redirect("chains:leader_chain", chain_id=chain.pk)
    paid_online = order_online_payment(order=entry.order) is not None
    return render(
        request,
        "chains/leader/refund.html",
        {"chain": chain, "entry": entry, "form": form, "paid_online": paid_online},
    )


@leader_chain_view
def chain_text(request: HttpRequest, chain: Chain) -> HttpResponse:
    return render(
        request,
        "chains/leader/chain_text.html",
        {"chain": chain, "text": selectors.chain_text(chain)},
    )


@leader_chain_view
def pick_sheet(request: HttpRequest, chain: Chain) -> HttpResponse:
    full_phone = request.GET.get("full_phone") == "1"
    sheets = selectors.pick_sheets(chain, full_phone=full_phone)
    filename = f"pick-sheet-{chain.slug}"
    export_format = request.GET.get("format", "")
    if export_format == "csv":
        return exports.pick_sheet_csv(sheets, filename)
    if export_format == "xlsx":
        return exports.pick_sheet_xlsx(sheets, filename)
    return render(
        request,
        "chains/leader/pick_sheet.html",
        {
            "chain": chain,
            "sheets": sheets,
            "totals": selectors.item_totals(chain),
            "full_phone": full_phone,
        },
    )


@login_required
def pickup_points(request: HttpRequest, community_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    community = communities_managed_by(user).filter(pk=community_id).first()
    if community is None:
        raise Http404(_("群不存在"))
    form = PickupPointForm()
    if request.method == "POST" and "toggle" in request.POST:
        point = PickupPoint.objects.filter(
            community=community,
            pk=request.POST["toggle"] if request.POST["toggle"].isdigit() else 0,
        ).first()
        if point is None:
            raise Http404(_("自提点不存在"))
        pickup_point_set_active(point=point, actor=user, active=not point.active)
        return redirect("chains:leader_pickup_points", community_id=community.pk)
    if request.method == "POST":
        form = PickupPointForm(request.POST)
        if form.is_valid():
            try:
                pickup_point_create(community=community, actor=user, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("自提点已添加"))
                return redirect("chains:leader_pickup_points", community_id=community.pk)
    points = community.pickup_points.order_by("-active", "pk")
    return render(
        request,
        "chains/leader/pickup_points.html",
        {"community": community, "points": points, "form": form},
    )
