"""Ads pages: the click redirect and view pixel, the advertiser's reports, the leader's offers."""

import base64
import csv
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.ads import selectors, services
from apps.ads.attribution import CLICK_COOKIE
from apps.ads.charts import report_charts
from apps.ads.delivery import click_path, click_record, pixel_path, pixel_view_record
from apps.ads.models import Placement, is_safe_landing_url
from apps.ads.tokens import attribution_window, link_signature_valid
from apps.analytics.visitors import remember_visitor
from apps.core.errors import DomainError
from apps.core.spreadsheets import escape_formula

# The smallest transparent GIF: what a view pixel answers.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _signed_placement(placement_id: int, sig: str) -> Placement:
    """The placement of a signed link; a forged or moved signature is a 404, like no placement."""
    if not link_signature_valid(placement_id, sig):
        raise Http404(_("链接无效"))
    placement = (
        Placement.objects.select_related("campaign", "creative").filter(pk=placement_id).first()
    )
    if placement is None:
        raise Http404(_("链接无效"))
    return placement


@never_cache
@require_GET
def click(request: HttpRequest, placement_id: int, sig: str) -> HttpResponse:
    """Record the click and go to the creative's own landing page, never anywhere else."""
    placement = _signed_placement(placement_id, sig)
    target = placement.creative.landing_url
    if not is_safe_landing_url(target):  # checked on save too; a row edited in SQL stops here
        raise Http404(_("链接无效"))
    token = click_record(request, placement=placement)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        CLICK_COOKIE,
        token,
        max_age=int(attribution_window().total_seconds()),
        httponly=True,
        samesite="Lax",
    )
    return remember_visitor(request, response)


@never_cache
@require_GET
def pixel(request: HttpRequest, placement_id: int, sig: str) -> HttpResponse:
    placement = _signed_placement(placement_id, sig)
    pixel_view_record(request, placement=placement)
    response = HttpResponse(PIXEL, content_type="image/gif")
    return remember_visitor(request, response)


# --- Advertiser reports ---------------------------------------------------------------------


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.campaigns_visible_to(_user(request)).order_by("-starts_at", "-id"))
    totals = selectors.campaign_totals([c.pk for c in rows])
    return render(
        request,
        "ads/campaigns.html",
        {"rows": [(c, totals.get(c.pk, selectors.Metrics())) for c in rows]},
    )


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, label=gettext_lazy("开始日期"))
    end = forms.DateField(required=False, label=gettext_lazy("结束日期"))

    def clean(self) -> dict[str, date | None]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("开始日期不能晚于结束日期"))
        return data


def _report(request: HttpRequest, campaign_id: int) -> tuple[selectors.CampaignReport, PeriodForm]:
    campaign = selectors.campaigns_visible_to(_user(request)).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404(_("广告计划不存在"))
    form = PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    return selectors.campaign_report(campaign, start=start, end=end), form


@login_required
def report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    data, form = _report(request, campaign_id)
    return render(
        request,
        "ads/report.html",
        {"report": data, "form": form, "charts": report_charts(data)},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
def report_csv(request: HttpRequest, campaign_id: int) -> HttpResponse:
    data, _form = _report(request, campaign_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="campaign-{data.campaign.pk}-{data.start}-{data.end}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM
    writer = csv.writer(response)
    header = [
        _("日期"),
        _("社群"),
        _("展示"),
        _("触达人数"),
        _("点击"),
        _("点击率（%）"),
        _("消耗（元）"),
        _("CPM（元）"),
        _("下单"),
        _("支付转化"),
        _("CPA（元）"),
    ]
    writer.writerow(header)

    def line(day: str, community: str, m: selectors.Metrics) -> list[object]:
        return [
            day,
            escape_formula(community),
            m.impressions,
            "" if m.reach is None else m.reach,
            m.clicks,
            m.ctr if m.ctr is not None else "",
            m.spend_yuan,
            m.cpm if m.cpm is not None else "",
            m.orders,
            m.conversions,
            m.cpa if m.cpa is not None else "",
        ]

    for day, metrics in data.days:
        writer.writerow(line(day.isoformat(), _("全部"), metrics))
    period = f"{data.start}~{data.end}"
    for row in data.communities:
        writer.writerow(line(period, row.name, row.metrics))
    writer.writerow(line(period, _("合计"), data.total))
    return response


# --- Leader ---------------------------------------------------------------------------------


@login_required
def leader_placements(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.placements_for_leader(_user(request)))
    ids = [p.pk for p in rows]
    totals = selectors.placement_totals(ids)
    earned = selectors.leader_earnings(ids)
    items = [
        {
            "placement": p,
            "metrics": totals.get(p.pk, selectors.Metrics()),
            "earned": earned.get(p.pk),
            "ecpm": selectors.Metrics.ecpm_of(
                earned.get(p.pk), totals.get(p.pk, selectors.Metrics()).impressions
            ),
            "pixel": request.build_absolute_uri(pixel_path(p.pk))
            if p.slot == Placement.Slot.MESSAGE
            else "",
            "link": request.build_absolute_uri(click_path(p.pk))
            if p.slot == Placement.Slot.MESSAGE
            else "",
        }
        for p in rows
    ]
    return render(request, "ads/leader_placements.html", {"items": items})


@login_required
@require_POST
def leader_decide(request: HttpRequest, placement_id: int) -> HttpResponse:
    user = _user(request)
    placement = selectors.placements_for_leader(user).filter(pk=placement_id).first()
    if placement is None:
        raise Http404(_("广告邀请不存在"))
    action = request.POST.get("action")
    try:
        if action == "accept":
            services.placement_accept(placement=placement, actor=user)
            messages.success(request, _("已接受广告投放"))
        elif action == "decline":
            services.placement_decline(placement=placement, actor=user)
            messages.success(request, _("已拒绝广告投放"))
        else:
            raise Http404(_("未知操作"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("ads:leader_placements")
