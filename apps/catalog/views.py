"""The leader's side of supply: which merchants supply them, and asking a new one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.catalog import supply
from apps.catalog.models import Merchant, Product, SupplyAgreement
from apps.communities.leaders import is_leader
from apps.core.errors import DomainError


@login_required
def leader_merchants(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        merchant = Merchant.objects.filter(pk=request.POST.get("merchant", "0") or 0).first()
        if merchant is None:
            raise Http404(_("商家不存在"))
        try:
            supply.supply_apply(
                merchant=merchant, leader=user, note=request.POST.get("note", "")[:200]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已向“%(name)s”申请供货") % {"name": merchant.name})
        return redirect("catalog:leader_merchants")
    agreements = {
        agreement.merchant_id: agreement
        for agreement in SupplyAgreement.objects.filter(leader=user)
    }
    merchants = Merchant.objects.annotate(
        goods=Count("products", filter=Q(products__active=True, products__kind=Product.Kind.GOODS))
    ).order_by("name")
    rows = [(merchant, agreements.get(merchant.pk)) for merchant in merchants]
    return render(
        request,
        "catalog/leader_merchants.html",
        {"rows": rows, "is_leader": is_leader(user)},
    )
