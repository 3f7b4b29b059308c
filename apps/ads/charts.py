"""The report's two charts (CPM and CTR per day, with the field's typical ranges as bands),
drawn by the shared server-side SVG helper in apps.analytics.charts."""

from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.ads.selectors import CampaignReport
from apps.core.charts import Series, line_chart_svg

TYPICAL_CPM = (Decimal(8), Decimal(15))  # 元 per thousand impressions
TYPICAL_CTR = (Decimal(2), Decimal(5))  # percent


def report_charts(report: CampaignReport) -> list[SafeString]:
    labels = [(day.strftime("%m-%d"), metrics) for day, metrics in report.days]
    cpm = line_chart_svg(
        series=[Series(_("CPM（元）"), [(x, m.cpm) for x, m in labels])],
        band=TYPICAL_CPM,
        band_label=_("常见 CPM 8–15 元"),
        title=_("每日 CPM"),
    )
    ctr = line_chart_svg(
        series=[Series(_("点击率"), [(x, m.ctr) for x, m in labels])],
        band=TYPICAL_CTR,
        band_label=_("常见点击率 2–5 %"),
        y_suffix="%",
        title=_("每日点击率"),
    )
    return [cpm, ctr]
