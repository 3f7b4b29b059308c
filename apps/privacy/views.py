"""The member's privacy page: what we hold, a download of it, and deletion of the account."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error
from apps.privacy import exports, selectors, services
from apps.privacy.forms import EraseForm
from apps.privacy.models import PrivacyRequest

SECTION_TITLES = {
    "profile": gettext_lazy("账号资料"),
    "memberships": gettext_lazy("加入的群"),
    "join_requests": gettext_lazy("入群申请"),
    "orders": gettext_lazy("订单"),
    "order_lines": gettext_lazy("订单明细"),
    "addresses": gettext_lazy("地址（团长申请）"),
    "check_ins": gettext_lazy("打卡"),
    "points": gettext_lazy("积分"),
    "coupons": gettext_lazy("优惠券"),
    "subscriptions": gettext_lazy("会员订阅"),
    "enrollments": gettext_lazy("课程报名"),
    "bookings": gettext_lazy("课程预约"),
    "distributor": gettext_lazy("分销身份"),
    "commissions": gettext_lazy("佣金记录"),
}


def _sections(user: User) -> list[tuple[str, str, int]]:
    """Each section with its title and how many records it holds."""
    data = selectors.personal_data(user=user)
    return [(key, str(SECTION_TITLES[key]), len(rows)) for key, rows in data.items()]


@login_required
@require_http_methods(["GET", "POST"])
def privacy_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    status = 200
    form = EraseForm()
    if request.method == "POST":
        form = EraseForm(request.POST)
        if form.is_valid():
            try:
                services.member_erase(user=user)
            except DomainError as error:
                add_domain_error(form, error)
                status = error.status
            else:
                logout(request)
                messages.success(request, _("你的账号已注销，个人信息已删除"))
                return redirect("home")
        else:
            status = 400
    return render(
        request,
        "privacy/privacy.html",
        {"sections": _sections(user), "form": form},
        status=status,
    )


@login_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    data = selectors.personal_data(user=user)
    services.privacy_request_record(user=user, kind=PrivacyRequest.Kind.EXPORT, detail=fmt)
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "zip":
        response = HttpResponse(exports.personal_data_zip(data), content_type="application/zip")
    else:
        response = HttpResponse(
            exports.personal_data_json(data), content_type="application/json; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
