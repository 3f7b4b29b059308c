"""What each dashboard shows, built once for the page, its CSV downloads and the API.

Each chart is kept with the table it was drawn from, so the CSV download is exactly the chart's
numbers. Callers check the user's scope first (apps/reports/scopes.py); nothing here does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.analytics.models import Event, FunnelSnapshot
from apps.core.charts import Series, funnel_chart_svg, line_chart_svg
from apps.core.errors import NotFound
from apps.core.money import money
from apps.orders.models import OrderLine
from apps.reports import figures
from apps.reports.definitions import (
    CHURN_WARNING,
    CTR_BAND,
    FunnelKind,
    Scope,
    ScopeKind,
    builtin_funnel_run,
    funnel_query_build,
    typical_band,
)
from apps.reports.funnel import FunnelResult, funnel_run, local_bounds, percent
from apps.reports.scopes import (
    campaigns_for_dashboard,
    chains_of_community_for,
    communities_for_dashboard,
    merchants_for_dashboard,
)

ZERO = Decimal("0.00")

SERIES_DAYS = 14  # daily series cover the range's last two weeks: one bar per day on a phone
DROPOFF_LIMIT = 20


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    svg: SafeString
    header: list[str]
    rows: list[list[Any]]


def _band(low: int, high: int) -> tuple[Decimal, Decimal]:
    return Decimal(low), Decimal(high)


def funnel_chart(name: str, title: str, result: FunnelResult, kind: str) -> Chart:
    band = typical_band(kind)
    return Chart(
        name=name,
        title=title,
        svg=funnel_chart_svg(
            steps=[(step.label, step.count) for step in result.steps],
            title=title,
            band=_band(band.low, band.high) if band else None,
            band_label=band.label if band else "",
        ),
        header=[
            _("步骤"),
            _("人数"),
            _("较上一步转化率 %"),
            _("较上一步中位用时（秒）"),
            _("流失"),
        ],
        rows=[
            [
                step.label,
                step.count,
                step.conversion_from_previous,
                step.median_seconds_from_previous,
                step.dropped,
            ]
            for step in result.steps
        ],
    )


def _days(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    first = max(date_from, date_to - dt.timedelta(days=SERIES_DAYS - 1))
    return [first + dt.timedelta(days=i) for i in range((date_to - first).days + 1)]


def funnel_counts_by_day(
    *, kind: str, scope: Scope, date_from: dt.date, date_to: dt.date
) -> list[tuple[dt.date, list[int]]]:
    """Per day: the nightly snapshot where there is one (past days), otherwise the same runner
    on request. Today is always computed, its snapshot being at most an hour old."""
    days = _days(date_from, date_to)
    today = timezone.localdate()
    stored = {
        snapshot.day: snapshot.counts
        for snapshot in FunnelSnapshot.objects.filter(
            funnel=kind, scope=scope.kind, scope_id=scope.id, day__in=days
        ).exclude(day__gte=today)
    }
    # The steps (with the scope's ids) are read once and reused for every day computed.
    query = funnel_query_build(kind=kind, scope=scope, date_from=days[0], date_to=days[-1])
    series = []
    for day in days:
        counts = stored.get(day)
        if counts is None:
            counts = funnel_run(dataclasses.replace(query, date_from=day, date_to=day)).counts()
        series.append((day, counts))
    return series


def conversion_chart(
    *,
    name: str,
    title: str,
    kind: str,
    by_day: list[tuple[dt.date, list[int]]],
    to_step: int,
) -> Chart:
    """Daily conversion from the first step to `to_step` (index), with the field's band."""
    band = typical_band(kind)
    points: list[tuple[str, Decimal | int | None]] = [
        (f"{day:%m-%d}", percent(counts[to_step], counts[0])) for day, counts in by_day
    ]
    return Chart(
        name=name,
        title=title,
        svg=line_chart_svg(
            series=[Series(_("转化率"), points)],
            band=_band(band.low, band.high) if band else None,
            band_label=band.label if band else "",
            y_suffix="%",
            title=title,
        ),
        header=[_("日期"), _("进入人数"), _("转化人数"), _("转化率 %")],
        rows=[
            [day.isoformat(), counts[0], counts[to_step], percent(counts[to_step], counts[0])]
            for day, counts in by_day
        ],
    )


# --- Leader -------------------------------------------------------------------------------------


PAID_STEP = 3  # the chain funnel's 付款 step: the field's 8–15 % is views → paid


@dataclass
class LeaderDashboard:
    date_from: dt.date
    date_to: dt.date
    communities: list[Any]
    community: Any | None = None
    chains: list[Any] = field(default_factory=list)
    chain: Any | None = None
    chain_funnel: FunnelResult | None = None
    chain_paid_orders: int = 0
    chain_paid_buyers: int = 0
    community_funnel: FunnelResult | None = None
    repurchase: list[figures.Repurchase] = field(default_factory=list)
    churn: list[Any] = field(default_factory=list)
    purchase_churn: figures.PurchaseChurn | None = None
    retention: list[figures.Cohort] = field(default_factory=list)
    chain_values: list[figures.ChainValue] = field(default_factory=list)
    member_revenue: figures.MemberRevenue | None = None
    charts: dict[str, Chart] = field(default_factory=dict)

    @property
    def chain_conversion(self) -> Decimal | None:
        if self.chain_funnel is None:
            return None
        counts = self.chain_funnel.counts()
        return percent(counts[PAID_STEP], counts[0])


def leader_dashboard(
    *,
    user: User,
    date_from: dt.date,
    date_to: dt.date,
    community_id: int | None = None,
    chain_id: int | None = None,
) -> LeaderDashboard:
    communities = list(communities_for_dashboard(user))
    board = LeaderDashboard(date_from=date_from, date_to=date_to, communities=communities)
    by_id = {community.pk: community for community in communities}
    if community_id is not None and community_id not in by_id:
        raise NotFound(_("没有找到这个社群"))
    if not communities:
        return board
    community = by_id[community_id] if community_id is not None else communities[0]
    board.community = community
    board.chains = list(chains_of_community_for(user, community.pk))
    chains_by_id = {chain.pk: chain for chain in board.chains}
    if chain_id is not None and chain_id not in chains_by_id:
        raise NotFound(_("接龙不存在"))
    if chain_id is not None:
        board.chain = chains_by_id[chain_id]
    elif board.chains:
        # The busiest chain first: a leader opening the page wants the one people order on.
        board.chain = max(board.chains, key=lambda chain: (chain.entry_count, chain.created_at))

    if board.chain is not None:
        scope = Scope(ScopeKind.CHAIN, board.chain.pk)
        board.chain_funnel = builtin_funnel_run(
            kind=FunnelKind.CHAIN,
            scope=scope,
            date_from=date_from,
            date_to=date_to,
            dropoff_limit=DROPOFF_LIMIT,
        )
        board.chain_paid_orders = figures.chain_paid_orders(
            chain_id=board.chain.pk, date_from=date_from, date_to=date_to
        )
        board.chain_paid_buyers = figures.chain_paid_buyers(
            chain_id=board.chain.pk, date_from=date_from, date_to=date_to
        )
        board.charts["funnel"] = funnel_chart(
            "funnel",
            _("接龙漏斗：%(title)s") % {"title": board.chain.title},
            board.chain_funnel,
            FunnelKind.CHAIN,
        )
        board.charts["conversion"] = conversion_chart(
            name="conversion",
            title=_("每日浏览→付款转化率"),
            kind=FunnelKind.CHAIN,
            by_day=funnel_counts_by_day(
                kind=FunnelKind.CHAIN, scope=scope, date_from=date_from, date_to=date_to
            ),
            to_step=PAID_STEP,
        )

    board.community_funnel = builtin_funnel_run(
        kind=FunnelKind.CHAIN,
        scope=Scope(ScopeKind.COMMUNITY, community.pk),
        date_from=date_from,
        date_to=date_to,
    )
    board.charts["community_funnel"] = funnel_chart(
        "community_funnel",
        _("全群接龙漏斗：%(name)s") % {"name": community.name},
        board.community_funnel,
        FunnelKind.CHAIN,
    )

    board.repurchase = figures.repurchase_rates(community_id=community.pk, end=date_to)
    board.charts["repurchase"] = Chart(
        name="repurchase",
        title=_("复购率"),
        svg=line_chart_svg(
            series=[
                Series(
                    _("复购率"),
                    [(_("%(n)s 天") % {"n": r.days}, r.rate) for r in board.repurchase],
                )
            ],
            y_suffix="%",
            title=_("复购率（买过两单及以上的买家占比）"),
        ),
        header=[_("天数"), _("买家"), _("复购买家"), _("复购率 %")],
        rows=[[r.days, r.buyers, r.repeat_buyers, r.rate] for r in board.repurchase],
    )

    board.churn = figures.monthly_churn(community_id=community.pk)
    board.charts["churn"] = Chart(
        name="churn",
        title=_("月流失率"),
        svg=line_chart_svg(
            series=[Series(_("月流失率"), [(f"{m.month:%Y-%m}", m.rate) for m in board.churn])],
            band=_band(0, CHURN_WARNING),
            band_label=_("低于预警线"),
            y_suffix="%",
            title=_("月流失率（超过 30% 需警惕）"),
        ),
        header=[_("月份"), _("月初人数"), _("流失"), _("新加入"), _("流失率 %")],
        rows=[[f"{m.month:%Y-%m}", m.at_start, m.left, m.joined, m.rate] for m in board.churn],
    )
    board.purchase_churn = figures.churn_after_purchase(
        community_id=community.pk, date_from=date_from, date_to=date_to
    )
    board.retention = figures.retention_by_join_week(community_id=community.pk)
    board.charts["retention"] = Chart(
        name="retention",
        title=_("按加入周的留存"),
        svg=SafeString(""),
        header=[_("加入周"), _("人数")]
        + [_("第 %(n)s 周 %%") % {"n": n} for n in range(1, len(board.retention) + 1)],
        rows=[
            [cohort.week.isoformat(), cohort.size, *cohort.retained] for cohort in board.retention
        ],
    )
    board.chain_values = figures.average_order_value_by_chain(
        chain_ids=[chain.pk for chain in board.chains], date_from=date_from, date_to=date_to
    )
    board.charts["aov"] = Chart(
        name="aov",
        title=_("各接龙客单价"),
        svg=SafeString(""),
        header=[_("接龙"), _("已付款订单"), _("金额"), _("客单价")],
        rows=[
            [v.title, v.paid_orders, v.revenue, v.average_order_value] for v in board.chain_values
        ],
    )
    board.member_revenue = figures.revenue_per_member(
        community_id=community.pk, date_from=date_from, date_to=date_to
    )
    return board


# --- Merchant -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFigures:
    product_id: int
    title: str
    paid_orders: int
    units: int
    revenue: Decimal

    @property
    def average_order_value(self) -> Decimal | None:
        return money(self.revenue / self.paid_orders) if self.paid_orders else None


@dataclass
class MerchantDashboard:
    date_from: dt.date
    date_to: dt.date
    merchants: list[Any]
    merchant: Any | None = None
    products: list[ProductFigures] = field(default_factory=list)
    funnel: FunnelResult | None = None
    charts: dict[str, Chart] = field(default_factory=dict)


def merchant_dashboard(
    *, user: User, date_from: dt.date, date_to: dt.date, merchant_id: int | None = None
) -> MerchantDashboard:
    merchants = list(merchants_for_dashboard(user))
    board = MerchantDashboard(date_from=date_from, date_to=date_to, merchants=merchants)
    by_id = {merchant.pk: merchant for merchant in merchants}
    if merchant_id is not None and merchant_id not in by_id:
        raise NotFound(_("没有找到这个商家"))
    if not merchants:
        return board
    merchant = by_id[merchant_id] if merchant_id is not None else merchants[0]
    board.merchant = merchant
    start, end = local_bounds(date_from, date_to)
    rows = (
        OrderLine.objects.filter(
            sku__product__merchant=merchant, order__paid_at__gte=start, order__paid_at__lt=end
        )
        .values("sku__product_id", "sku__product__title")
        .annotate(
            paid_orders=Count("order", distinct=True),
            units=Sum("quantity"),
            revenue=Sum("line_total"),
        )
        .order_by("-revenue", "sku__product_id")
    )
    board.products = [
        ProductFigures(
            product_id=row["sku__product_id"],
            title=row["sku__product__title"],
            paid_orders=row["paid_orders"],
            units=row["units"] or 0,
            revenue=row["revenue"] or figures.ZERO,
        )
        for row in rows
    ]
    days = _days(date_from, date_to)
    daily = (
        OrderLine.objects.filter(
            sku__product__merchant=merchant,
            sku__product_id__in=[p.product_id for p in board.products[:5]],
            order__paid_at__gte=local_bounds(days[0], days[-1])[0],
            order__paid_at__lt=end,
        )
        .annotate(day=_local_day("order__paid_at"))
        .values("sku__product_id", "day")
        .annotate(revenue=Sum("line_total"))
        .order_by()
    )
    revenue: dict[tuple[int, dt.date], Decimal] = {
        (row["sku__product_id"], row["day"]): row["revenue"] for row in daily
    }
    series = [
        Series(
            product.title,
            [
                (f"{day:%m-%d}", revenue.get((product.product_id, day), figures.ZERO))
                for day in days
            ],
        )
        for product in board.products[:5]
    ]
    board.charts["revenue"] = Chart(
        name="revenue",
        title=_("商品每日销售额（元）"),
        svg=line_chart_svg(series=series, title=_("商品每日销售额（元）")),
        header=[_("日期"), *[product.title for product in board.products[:5]]],
        rows=[
            [
                day.isoformat(),
                *[revenue.get((p.product_id, day), figures.ZERO) for p in board.products[:5]],
            ]
            for day in days
        ],
    )
    board.charts["products"] = Chart(
        name="products",
        title=_("各商品销售"),
        svg=SafeString(""),
        header=[_("商品"), _("已付款订单"), _("件数"), _("金额"), _("客单价")],
        rows=[
            [p.title, p.paid_orders, p.units, p.revenue, p.average_order_value]
            for p in board.products
        ],
    )
    board.funnel = builtin_funnel_run(
        kind=FunnelKind.CHAIN,
        scope=Scope(ScopeKind.MERCHANT, merchant.pk),
        date_from=date_from,
        date_to=date_to,
    )
    board.charts["funnel"] = funnel_chart(
        "funnel", _("在售接龙的漏斗"), board.funnel, FunnelKind.CHAIN
    )
    return board


def _local_day(path: str) -> Any:
    from django.db.models.functions import TruncDate

    return TruncDate(path, tzinfo=timezone.get_current_timezone())


# --- Campaigns (advertisers and operations) ------------------------------------------------------


@dataclass
class CampaignDashboard:
    date_from: dt.date
    date_to: dt.date
    campaigns: list[Any]
    campaign: Any | None = None
    funnel: FunnelResult | None = None
    impressions: int = 0
    clicks: int = 0
    charts: dict[str, Chart] = field(default_factory=dict)

    @property
    def ctr(self) -> Decimal | None:
        return percent(self.clicks, self.impressions)


def ad_daily_counts(*, campaign_id: int, days: list[dt.date]) -> dict[dt.date, tuple[int, int]]:
    """Impressions and clicks of a campaign per local day (events, not people: CTR's definition),
    in one grouped query on the campaign index."""
    start, _ = local_bounds(days[0], days[0])
    _, end = local_bounds(days[-1], days[-1])
    rows = (
        Event.objects.filter(
            name__in=("ad_impression", "ad_click"),
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        # ->> as text, the expression the partial campaign index is built on.
        .alias(campaign=KeyTextTransform("campaign_id", "properties"))
        .filter(campaign=str(campaign_id))
        .annotate(day=_local_day("occurred_at"))
        .values("day")
        .annotate(
            impressions=Count("pk", filter=Q(name="ad_impression")),
            clicks=Count("pk", filter=Q(name="ad_click")),
        )
        .order_by()
    )
    return {row["day"]: (row["impressions"], row["clicks"]) for row in rows}


def _ctr(counts: tuple[int, int]) -> Decimal | None:
    return percent(counts[1], counts[0])


def campaign_dashboard(
    *, user: User, date_from: dt.date, date_to: dt.date, campaign_id: int | None = None
) -> CampaignDashboard:
    campaigns = list(campaigns_for_dashboard(user).order_by("-pk")[:200])
    board = CampaignDashboard(date_from=date_from, date_to=date_to, campaigns=campaigns)
    if campaign_id is not None:
        chosen = campaigns_for_dashboard(user).filter(pk=campaign_id).first()
        if chosen is None:
            raise NotFound(_("没有找到这个广告计划"))
    else:
        chosen = campaigns[0] if campaigns else None
    if chosen is None:
        return board
    board.campaign = chosen
    board.funnel = builtin_funnel_run(
        kind=FunnelKind.AD,
        scope=Scope(ScopeKind.CAMPAIGN, chosen.pk),
        date_from=date_from,
        date_to=date_to,
    )
    board.charts["funnel"] = funnel_chart(
        "funnel", _("广告漏斗：%(name)s") % {"name": chosen.name}, board.funnel, FunnelKind.AD
    )
    days = [date_from + dt.timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    daily = ad_daily_counts(campaign_id=chosen.pk, days=days)
    board.impressions = sum(v[0] for v in daily.values())
    board.clicks = sum(v[1] for v in daily.values())
    shown = _days(date_from, date_to)
    board.charts["ctr"] = Chart(
        name="ctr",
        title=_("每日点击率 (CTR)"),
        svg=line_chart_svg(
            series=[
                Series(
                    "CTR",
                    [
                        (
                            f"{day:%m-%d}",
                            _ctr(daily.get(day, (0, 0))),
                        )
                        for day in shown
                    ],
                )
            ],
            band=_band(*CTR_BAND),
            band_label=_("常见点击率"),
            y_suffix="%",
            title=_("每日点击率 (CTR)"),
        ),
        header=[_("日期"), _("展示"), _("点击"), _("点击率 %")],
        rows=[
            [
                day.isoformat(),
                daily.get(day, (0, 0))[0],
                daily.get(day, (0, 0))[1],
                _ctr(daily.get(day, (0, 0))),
            ]
            for day in shown
        ],
    )
    return board
