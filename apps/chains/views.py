"""The member's side: the public chain page with its order form, and the receipt."""

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.ads.attribution import ad_click_token_for
from apps.ads.delivery import ad_serve
from apps.ads.models import Placement
from apps.analytics.services import person_alias_record
from apps.analytics.tracking import track
from apps.analytics.visitors import remember_visitor, visitor_id
from apps.chains import selectors, services
from apps.chains.forms import ChainOrderForm
from apps.chains.models import Chain, ChainEntry
from apps.chains.receipts import receipt_order_id, receipt_url
from apps.chains.tokens import submission_token_issue, submission_token_verify
from apps.core.errors import DomainError, NotFound
from apps.core.forms import add_domain_error
from apps.core.ratelimit import rate_limit
from apps.distribution.attribution import referral_code_for
from apps.memberships.selectors import member_of_community
from apps.rewards.selectors import coupons_available_for

CONTACT_COOKIE = "tg_contact"
CONTACT_SALT = "chains.contact"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", selectors.chains_for_home(request.user))


@require_http_methods(["GET", "POST"])
# A member orders a few times at most; a flood of POSTs from one address is a script.
@rate_limit("chain-order", limit=20, window=60)
def chain_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        chain = selectors.chain_by_slug(slug)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    status = 200
    ad = None
    if request.method == "POST":
        form = ChainOrderForm(request.POST, chain=chain)
        if form.is_valid():
            try:
                entry = _place(request, chain, form)
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
                if error.code.startswith("token_"):
                    # A used, forged or expired token gets a fresh one so the member can retry.
                    fresh = request.POST.copy()
                    fresh["token"] = submission_token_issue(chain_id=chain.pk)
                    form.data = fresh
            else:
                # The browser that viewed the chain is the phone that ordered: funnels join them.
                person_alias_record(
                    distinct_id=visitor_id(request),
                    person_id=f"phone:{entry.order.contact_phone}",
                )
                redirect_response = redirect(receipt_url(entry))
                _remember_contact(redirect_response, form)
                return remember_visitor(request, redirect_response)
        else:
            status = 400
    else:
        form = ChainOrderForm(chain=chain, initial=_initial_contact(request, chain))
        track(
            "chain_viewed",
            actor=request.user,
            community=chain.community_id,
            subject=chain,
            distinct_id=visitor_id(request),
        )
        ad = ad_serve(request, community=chain.community, slot=Placement.Slot.CHAIN_BANNER)
    entries = selectors.public_entries(chain)
    context = {
        "ad": ad,
        "chain": chain,
        "form": form,
        "entries": entries,
        "accepting": chain.is_accepting_orders(),
        "is_member": member_of_community(user_id=request.user.pk, community_id=chain.community_id)
        if request.user.is_authenticated
        and (chain.members_only or any(item.member_price for item in chain.items.all()))
        else False,
        "items": form.quantity_fields(),
        "coupons": (
            list(coupons_available_for(user=request.user, community=chain.community))
            if request.user.is_authenticated
            else []
        ),
    }
    response = render(request, "chains/chain_page.html", context, status=status)
    return remember_visitor(request, response)


def _place(request: HttpRequest, chain: Chain, form: ChainOrderForm) -> ChainEntry:
    data = form.cleaned_data
    token = submission_token_verify(token=data["token"], chain_id=chain.pk)
    phone = data["contact_phone"]
    buyer = request.user if request.user.is_authenticated else None
    if buyer is None:
        # A returning member who has an account is recognised by the phone number they type.
        buyer = get_user_model().objects.filter(phone=phone).first()
    return services.chain_order_place(
        chain=chain,
        buyer=buyer,
        contact_name=data["contact_name"],
        contact_phone=phone,
        quantities=form.quantities(),
        pickup_point=data["pickup_point"],
        submission_token=token,
        note=data["note"],
        referral_code=referral_code_for(request),
        ad_click_token=ad_click_token_for(request),
        coupon_code=form.chosen_coupon_code(),
    )


def _initial_contact(request: HttpRequest, chain: Chain) -> dict[str, object]:
    initial: dict[str, object] = {"token": submission_token_issue(chain_id=chain.pk)}
    remembered = _remembered_contact(request)
    if remembered:
        initial["contact_name"], initial["contact_phone"] = remembered
    elif request.user.is_authenticated:
        initial["contact_name"] = request.user.shown_name
        initial["contact_phone"] = request.user.phone or ""
    return initial


def _remembered_contact(request: HttpRequest) -> tuple[str, str] | None:
    try:
        value = signing.loads(request.COOKIES.get(CONTACT_COOKIE, ""), salt=CONTACT_SALT)
    except signing.BadSignature:
        return None
    if isinstance(value, list) and len(value) == 2:
        return str(value[0]), str(value[1])
    return None


def _remember_contact(response: HttpResponse, form: ChainOrderForm) -> None:
    """The browser keeps the member's name and phone to fill the next chain's form (signed;
    a cookie must be ASCII, so the value goes through signing.dumps)."""
    value = signing.dumps(
        [form.cleaned_data["contact_name"], form.cleaned_data["contact_phone"]], salt=CONTACT_SALT
    )
    response.set_cookie(
        CONTACT_COOKIE, value, max_age=180 * 24 * 3600, httponly=True, samesite="Lax"
    )


def receipt(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        order_id = receipt_order_id(ref)
        entry = ChainEntry.objects.select_related(
            "chain", "order", "pickup_point", "chain__leader"
        ).get(order_id=order_id)
    except (signing.BadSignature, ValueError, ChainEntry.DoesNotExist) as exc:
        raise Http404(_("订单不存在")) from exc
    return render(
        request,
        "chains/receipt.html",
        {
            "entry": entry,
            "order": entry.order,
            "chain": entry.chain,
            "lines": entry.order.lines.all(),
        },
    )
