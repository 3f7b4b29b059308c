"""Sign-in pages: phone and one-time code for members (and staff who prefer it), WeChat inside
WeChat. Password login is Django's LoginView (see urls.py)."""

import secrets
import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts import phone_codes, wechat
from apps.accounts.forms import PhoneCodeForm, PhoneForm
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error
from apps.core.ratelimit import client_ip
from apps.notifications.models import Notification
from apps.notifications.services import notify

BACKEND = "apps.accounts.backends.PhoneOrUsernameBackend"
STATE_SESSION_KEY = "wechat_oauth_state"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("home")


def _client_ip(request: HttpRequest) -> str | None:
    # Behind TRUSTED_PROXY_COUNT proxies the socket address is the proxy's: see client_ip.
    return client_ip(request) or None


@require_http_methods(["GET", "POST"])
def phone_sign_in(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    code_sent = action in ("send", "verify")
    status = 200
    form: PhoneForm
    if action == "send":
        form = PhoneForm(request.POST)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                code = phone_codes.phone_code_issue(phone=phone, ip=_client_ip(request))
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                notify(
                    recipient=None,
                    address=phone,
                    channel=Notification.Channel.SMS,
                    template="sign_in_code",
                    context={"code": code},
                    dedupe_key=f"sign-in-code:{phone}:{uuid.uuid4().hex}",
                )
                messages.success(request, _("验证码已发送，5分钟内有效"))
                form = PhoneCodeForm(initial={"phone": phone})
        else:
            code_sent, status = False, 400
    elif action == "verify":
        form = PhoneCodeForm(request.POST)
        if form.is_valid():
            current = request.user if request.user.is_authenticated else None
            try:
                user = phone_codes.phone_sign_in(
                    phone=form.cleaned_data["phone"],
                    code=form.cleaned_data["code"],
                    current=current,
                )
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                login(request, user, backend=BACKEND)
                return redirect(_next_url(request))
        else:
            status = 400
    else:
        form = PhoneForm()
    return render(
        request,
        "accounts/phone_sign_in.html",
        {"form": form, "code_sent": code_sent, "next": _next_url(request)},
        status=status,
    )


def wechat_start(request: HttpRequest) -> HttpResponse:
    if not wechat.wechat_enabled():
        return HttpResponseBadRequest(_("微信登录未开启"))
    scope = request.GET.get("scope", "snsapi_base")
    if scope not in wechat.SCOPES:
        return HttpResponseBadRequest(_("不支持的授权方式"))
    state = secrets.token_urlsafe(16)
    request.session[STATE_SESSION_KEY] = {"state": state, "next": _next_url(request)}
    callback = request.build_absolute_uri(reverse("accounts:wechat_callback"))
    return redirect(wechat.authorize_url(redirect_uri=callback, scope=scope, state=state))


def wechat_callback(request: HttpRequest) -> HttpResponse:
    # The state is single use: popped before anything else, so a replayed callback fails.
    expected = request.session.pop(STATE_SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not expected or not secrets.compare_digest(str(expected.get("state", "")), state):
        return render(
            request,
            "accounts/sign_in_failed.html",
            {"message": _("授权已失效，请重新登录")},
            status=400,
        )
    try:
        identity = wechat.identity_from_code(code=request.GET.get("code", ""))
        current = request.user if request.user.is_authenticated else None
        user = wechat.wechat_sign_in(identity=identity, current=current)
    except DomainError as error:
        return render(
            request,
            "accounts/sign_in_failed.html",
            {"message": error.message},
            status=error.status,
        )
    login(request, user, backend=BACKEND)
    return redirect(expected.get("next") or reverse("home"))
