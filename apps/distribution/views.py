"""Distribution pages: a distributor's own page (links, QR code, team, earnings), the leader's or
merchant's applications to decide, and finance's report, exports and settlement batches."""

import csv
from collections import defaultdict
from datetime import date
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.accounts.phone import mask_phone
from apps.catalog.models import Merchant
from apps.chains.models import Chain
from apps.communities.models import Community
from apps.core.errors import DomainError
from apps.core.forms import add_domain_error
from apps.core.spreadsheets import escape_formula
from apps.distribution import exports, selectors, services
from apps.distribution.models import CommissionEntry, Distributor, PayoutBatch, PayoutLine

DETAIL_ROWS = 200


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ApplyForm(forms.Form):
    community = forms.ModelChoiceField(
        queryset=Community.objects.none(), required=False, label=gettext_lazy("社群")
    )
    merchant = forms.ModelChoiceField(
        queryset=Merchant.objects.order_by("name"), required=False, label=gettext_lazy("商家")
    )
    parent_code = forms.CharField(
        max_length=32, required=False, label=gettext_lazy("推荐人的推荐码")
    )
    note = forms.CharField(max_length=200, required=False, label=gettext_lazy("申请说明"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.filter(  # type: ignore[attr-defined]
            memberships__user=user, memberships__left_at=None
        ).order_by("name")


def share_url(request: HttpRequest, distributor: Distributor) -> str:
    return request.build_absolute_uri(f"{reverse('home')}?ref={distributor.code}")


@login_required
def my_distribution(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApplyForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.distributor_apply(user=user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("申请已提交，等待群主或商家审核"))
            return redirect("distribution:mine")
    distributors = list(
        Distributor.objects.filter(user=user)
        .select_related("community", "merchant", "parent__user")
        .prefetch_related(
            Prefetch("team", queryset=Distributor.objects.select_related("user").order_by("pk"))
        )
        .order_by("pk")
    )
    # One query for every card's open chains (not one per community the user distributes in).
    open_chains: dict[int, list[Chain]] = defaultdict(list)
    for open_chain in Chain.objects.filter(
        community_id__in={d.community_id for d in distributors if d.community_id},
        status=Chain.Status.OPEN,
    ).order_by("-opens_at"):
        open_chains[open_chain.community_id].append(open_chain)
    cards = []
    for distributor in distributors:
        chains = open_chains[distributor.community_id] if distributor.community_id else []
        cards.append(
            {
                "distributor": distributor,
                "link": share_url(request, distributor),
                "chain_links": [
                    (
                        chain.title,
                        request.build_absolute_uri(
                            f"{reverse('chains:chain', args=[chain.slug])}?ref={distributor.code}"
                        ),
                    )
                    for chain in chains[:10]
                ],
                "team": [
                    (member.user.shown_name, mask_phone(member.user.phone or ""), member)
                    for member in distributor.team.all()
                ],
            }
        )
    return render(
        request,
        "distribution/mine.html",
        {
            "form": form,
            "cards": cards,
            "balance": selectors.balance_of(user),
            "entries": CommissionEntry.objects.filter(beneficiary=user)
            .select_related("order")
            .order_by("-created_at", "-id")[:50],
        },
    )


@login_required
def qr_code(request: HttpRequest, code: str) -> HttpResponse:
    distributor = Distributor.objects.filter(code=code, user=_user(request)).first()
    if distributor is None:
        raise Http404(_("分销员不存在"))
    svg = segno.make(share_url(request, distributor), error="m").svg_inline(scale=6, border=2)
    return HttpResponse(svg, content_type="image/svg+xml")


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    """Applications and distributors of the communities this user runs or merchants they staff."""
    user = _user(request)
    rows = (
        selectors.distributors_managed_by(user)
        .select_related("user", "community", "merchant", "parent__user")
        .order_by("status", "-created_at")
    )
    return render(request, "distribution/applications.html", {"rows": rows})


@login_required
@require_POST
def application_decide(request: HttpRequest, distributor_id: int) -> HttpResponse:
    user = _user(request)
    distributor = selectors.distributors_managed_by(user).filter(pk=distributor_id).first()
    if distributor is None:
        raise Http404(_("分销员不存在"))
    action = request.POST.get("action")
    try:
        if action == "approve":
            services.distributor_approve(distributor=distributor, actor=user)
        elif action == "suspend":
            services.distributor_suspend(distributor=distributor, actor=user)
        else:
            raise Http404(_("未知操作"))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已处理"))
    return redirect("distribution:applications")


# --- Finance --------------------------------------------------------------------------------


class ReportForm(forms.Form):
    start = forms.DateField(required=False, label=gettext_lazy("开始日期"))
    end = forms.DateField(required=False, label=gettext_lazy("结束日期"))
    beneficiary = forms.CharField(max_length=32, required=False, label=gettext_lazy("收款人"))
    merchant = forms.ModelChoiceField(
        queryset=Merchant.objects.order_by("name"), required=False, label=gettext_lazy("商家")
    )

    def filters(self) -> selectors.ReportFilters:
        if not self.is_valid():
            return selectors.ReportFilters()
        data = self.cleaned_data
        return selectors.ReportFilters(
            start=data["start"],
            end=data["end"],
            beneficiary=data["beneficiary"],
            merchant_id=data["merchant"].pk if data["merchant"] else None,
        )


class BatchForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("开始日期"))
    period_end = forms.DateField(label=gettext_lazy("结束日期"))


def _require_finance(request: HttpRequest) -> User:
    user = _user(request)
    if not selectors.is_finance(user):
        raise HttpForbidden(_("只有财务可以查看"))
    return user


@login_required
def finance_report(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    if not selectors.is_finance(user) and not Merchant.objects.filter(staff=user).exists():
        raise HttpForbidden(_("只有财务或商家可以查看"))
    form = ReportForm(request.GET or None)
    filters = form.filters()
    export = request.GET.get("export")
    name = f"commission-{timezone.localdate():%Y%m%d}"
    detail = selectors.report_order_detail(user, filters)
    if export == "csv":
        return exports.commission_csv(detail, name)
    if export == "xlsx":
        return exports.commission_xlsx(detail, name)
    rows = selectors.report_by_beneficiary(user, filters)
    for row in rows:
        row["phone"] = mask_phone(row["beneficiary__phone"] or "")
    return render(
        request,
        "distribution/report.html",
        {
            "form": form,
            "rows": rows,
            "detail": detail[:DETAIL_ROWS],
            "query": request.GET.urlencode(),
            "is_finance": selectors.is_finance(user),
            "batches": PayoutBatch.objects.all()[:20],
            "batch_form": BatchForm(
                initial={"period_start": date.today().replace(day=1), "period_end": date.today()}
            ),
        },
    )


@login_required
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    user = _require_finance(request)
    form = BatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写正确的日期"))
        return redirect("distribution:report")
    try:
        batch = services.payout_batch_create(actor=user, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("distribution:report")
    return redirect("distribution:batch", batch_id=batch.pk)


@login_required
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = _require_finance(request)
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "review":
                services.payout_batch_review(batch=batch, actor=user)
            elif request.POST.get("action") == "paid":
                services.payout_batch_mark_paid(
                    batch=batch, actor=user, reference=request.POST.get("reference", "")
                )
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("distribution:batch", batch_id=batch.pk)
    lines = batch.lines.select_related("beneficiary").order_by("pk")
    if request.GET.get("export") == "csv":
        return _batch_csv(batch, list(lines))
    return render(
        request,
        "distribution/batch.html",
        {
            "batch": batch,
            "lines": [(line, mask_phone(line.beneficiary.phone or "")) for line in lines],
        },
    )


def _batch_csv(batch: PayoutBatch, lines: list[PayoutLine]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-batch-{batch.pk}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["批次", "收款人", "手机", "金额", "状态", "凭证号"])
    for line in lines:
        writer.writerow(
            [
                batch.pk,
                escape_formula(line.beneficiary.shown_name),
                mask_phone(line.beneficiary.phone or ""),
                line.amount,
                batch.get_status_display(),
                escape_formula(batch.reference),
            ]
        )
    return response
