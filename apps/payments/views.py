"""The member's payment pages, the WeChat Pay notification endpoints and the sandbox page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import DomainError
from apps.core.ratelimit import rate_limit
from apps.orders.models import Order
from apps.payments import services
from apps.payments.callbacks import notification_receive
from apps.payments.merchant import wechatpay_enabled
from apps.payments.models import Payment
from apps.payments.qr import qr_svg_data_uri
from apps.payments.sandbox import sandbox_enabled
from apps.payments.sandbox_flow import sandbox_pay

ORDER_SALT = "payments.order"
Provider = Payment.Provider


def order_ref(order_id: int) -> str:
    """The pay page's address is signed: one order's link reveals no other."""
    return signing.Signer(salt=ORDER_SALT).sign(str(order_id))


def pay_url(order: Order, *, next_url: str = "") -> str:
    url = reverse("payments:pay", kwargs={"ref": order_ref(order.pk)})
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _order_from_ref(ref: str) -> Order:
    try:
        order_id = int(signing.Signer(salt=ORDER_SALT).unsign(ref))
        return Order.objects.select_related("buyer").get(pk=order_id)
    except (signing.BadSignature, ValueError, Order.DoesNotExist) as exc:
        raise Http404(_("订单不存在")) from exc


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _payer_openid(request: HttpRequest, order: Order) -> str:
    if order.buyer is not None and order.buyer.wechat_openid:
        return order.buyer.wechat_openid
    return getattr(request.user, "wechat_openid", None) or ""


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, ref: str) -> HttpResponse:
    order = _order_from_ref(ref)
    next_url = _next(request)
    openid = _payer_openid(request, order)
    in_wechat = "MicroMessenger" in request.headers.get("User-Agent", "")
    context: dict[str, object] = {
        "order": order,
        "next": next_url,
        "wechatpay_on": wechatpay_enabled(),
        "sandbox_on": sandbox_enabled(),
        "wechat_provider": Provider.WECHAT_JSAPI
        if openid and in_wechat
        else Provider.WECHAT_NATIVE,
    }
    if request.method == "POST":
        provider = request.POST.get("provider", "")
        try:
            checkout = services.payment_start(order=order, provider=provider, payer_openid=openid)
        except DomainError as error:
            messages.error(request, error.message)
            return render(request, "payments/pay.html", context, status=error.status)
        if provider == Provider.SANDBOX:
            url = reverse(
                "payments:sandbox", kwargs={"out_trade_no": checkout.payment.out_trade_no}
            )
            return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
        context.update(
            payment=checkout.payment,
            jsapi_params=checkout.jsapi_params,
            code_url=checkout.code_url,
            qr=qr_svg_data_uri(checkout.code_url) if checkout.code_url else "",
        )
    return render(request, "payments/pay.html", context)


@csrf_exempt
@require_POST
# Generous: WeChat Pay's servers share addresses and retry what we refuse; this only caps a flood
# of forged notifications, each of which costs a signature check.
@rate_limit("wechatpay-notify", limit=300, window=60)
def wechat_notify(request: HttpRequest) -> HttpResponse:
    """支付通知 and 退款通知 (one handler reads the event type)."""
    result = notification_receive(headers=request.headers, body=request.body)
    return JsonResponse(
        result.body, status=result.status, json_dumps_params={"ensure_ascii": False}
    )


@require_http_methods(["GET", "POST"])
def sandbox(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    if not sandbox_enabled():
        raise Http404(_("支付沙箱未开启"))
    payment = (
        Payment.objects.filter(out_trade_no=out_trade_no, provider=Provider.SANDBOX)
        .select_related("order")
        .first()
    )
    if payment is None:
        raise Http404(_("支付单不存在"))
    next_url = _next(request)
    if request.method == "POST":
        try:
            result = sandbox_pay(out_trade_no=out_trade_no)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            payment.refresh_from_db()
            if payment.status == Payment.Status.SUCCEEDED:
                messages.success(request, _("支付成功（沙箱）"))
                return redirect(
                    next_url or reverse("payments:pay", args=[order_ref(payment.order_id)])
                )
            messages.error(
                request, payment.flag_reason or result.body.get("message") or _("支付未成功")
            )
    return render(request, "payments/sandbox.html", {"payment": payment, "next": next_url})
