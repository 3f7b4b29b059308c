"""Dashboard pages (leader, merchant, campaigns) and their CSV downloads."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.accounts.models import User
from apps.core.errors import NotFound
from apps.core.spreadsheets import escape_formula
from apps.reports import dashboards
from apps.reports.funnel import MAX_RANGE_DAYS

DEFAULT_DAYS = 30


class DashboardForm(forms.Form):
    date_from = forms.DateField(label=_("开始日期"), required=False)
    date_to = forms.DateField(label=_("结束日期"), required=False)
    scope = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    chain = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to - dt.timedelta(days=DEFAULT_DAYS - 1)
        if date_from > date_to:
            raise forms.ValidationError(_("开始日期不能晚于结束日期"))
        if (date_to - date_from).days + 1 > MAX_RANGE_DAYS:
            raise forms.ValidationError(_("日期范围最长 366 天"))
        if date_to > today + dt.timedelta(days=1) or date_from.year < 2015:
            raise forms.ValidationError(_("日期超出可查询的范围"))
        data["date_from"], data["date_to"] = date_from, date_to
        return data


def _csv(chart: dashboards.Chart, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{chart.name}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(chart.header)
    for row in chart.rows:
        writer.writerow(["" if cell is None else escape_formula(cell) for cell in row])
    return response


def _dashboard_page(
    request: HttpRequest,
    *,
    template: str,
    filename: str,
    build: Any,
) -> HttpResponse:
    # Always bound: every field is optional, so an empty query string is the default range.
    form = DashboardForm(request.GET)
    if not form.is_valid():
        return render(request, template, {"form": form, "board": None}, status=400)
    try:
        board = build(form.cleaned_data)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    download = request.GET.get("csv")
    if download:
        chart = board.charts.get(download)
        if chart is None:
            raise Http404(_("没有这张图表"))
        return _csv(chart, filename)
    query = request.GET.copy()
    query.pop("csv", None)
    return render(request, template, {"form": form, "board": board, "query": query.urlencode()})


@login_required
@require_GET
def leader_dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return _dashboard_page(
        request,
        template="reports/leader_dashboard.html",
        filename="leader",
        build=lambda data: dashboards.leader_dashboard(
            user=user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            community_id=data.get("scope"),
            chain_id=data.get("chain"),
        ),
    )


@login_required
@require_GET
def merchant_dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return _dashboard_page(
        request,
        template="reports/merchant_dashboard.html",
        filename="merchant",
        build=lambda data: dashboards.merchant_dashboard(
            user=user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            merchant_id=data.get("scope"),
        ),
    )


@login_required
@require_GET
def campaign_dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    return _dashboard_page(
        request,
        template="reports/campaign_dashboard.html",
        filename="campaign",
        build=lambda data: dashboards.campaign_dashboard(
            user=user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            campaign_id=data.get("scope"),
        ),
    )
