"""The SVG charts: accessible, escaped, sane with empty data, with the typical-range band."""

import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils.safestring import SafeString

from apps.core.charts import Series, funnel_chart_svg, line_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>&'


def parse(svg: str) -> ET.Element:
    """Parsing proves the output is well-formed XML (an unescaped label would break it)."""
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def test_line_chart_is_an_accessible_scalable_image() -> None:
    svg = line_chart_svg(
        series=[Series("转化率", [("11-01", Decimal("9.5")), ("11-02", Decimal("12"))])],
        y_suffix="%",
        title="接龙转化率",
    )
    assert isinstance(svg, SafeString)
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 360 " + root.get("viewBox", "").split()[-1]
    assert root.find(f"{SVG}title").text == "接龙转化率"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "11-01: 9.5%" in desc and "11-02: 12%" in desc
    assert len(root.findall(f"{SVG}polyline")) == 1
    assert "style=" not in svg  # a strict CSP keeps presentation attributes, not inline styles


def test_line_chart_escapes_titles_labels_and_series_names() -> None:
    svg = line_chart_svg(
        series=[Series(HOSTILE, [(HOSTILE, 3), ("b", 4)]), Series("other", [("b", 1)])],
        band=(Decimal(2), Decimal(5)),
        band_label=HOSTILE,
        title=HOSTILE,
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert HOSTILE in texts  # the legend shows the series name, escaped
    assert any(HOSTILE in (t or "") for t in texts)


def test_line_chart_with_no_points_says_so() -> None:
    for series in ([], [Series("空", [])], [Series("全空", [("a", None), ("b", None)])]):
        svg = line_chart_svg(series=series, title="空图")
        root = parse(svg)
        assert root.get("role") == "img"
        assert "暂无数据" in svg
        assert root.find(f"{SVG}polyline") is None


def test_line_chart_draws_the_band_as_a_shaded_range_inside_the_plot() -> None:
    svg = line_chart_svg(
        series=[Series("CTR", [("1", Decimal("1")), ("2", Decimal("3")), ("3", Decimal("6"))])],
        band=(Decimal(2), Decimal(5)),
        band_label="常见范围",
        y_suffix="%",
        title="CTR",
    )
    root = parse(svg)
    shaded = [r for r in root.iter(f"{SVG}rect") if r.get("fill-opacity") == "0.15"]
    assert len(shaded) == 1
    band = shaded[0]
    top, height = float(band.get("y", "0")), float(band.get("height", "0"))
    assert height > 0
    # The y axis runs 0..nice max; the band's pixel height is proportional to 5 - 2 = 3 units.
    circles = [float(c.get("cy", "0")) for c in root.iter(f"{SVG}circle")]
    one_unit = (circles[0] - circles[1]) / 2  # 1 % → 3 %
    assert abs(height - 3 * one_unit) < 0.3
    assert abs(top - (circles[1] - 2 * one_unit)) < 0.3  # top of band at 5 %
    assert "常见范围 2%–5%" in "".join(t.text or "" for t in root.iter(f"{SVG}text"))


def test_line_chart_leaves_a_gap_for_missing_values() -> None:
    svg = line_chart_svg(
        series=[Series("s", [("a", 1), ("b", 2), ("c", None), ("d", 3), ("e", 4)])],
        title="gap",
    )
    root = parse(svg)
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 4


def test_line_chart_thins_x_labels_to_fit_a_phone() -> None:
    points: list[tuple[str, Decimal | int | None]] = [(f"11-{d:02}", d) for d in range(1, 31)]
    svg = line_chart_svg(series=[Series("s", points)], title="30 天")
    labels = [t for t in re.findall(r">(11-\d\d)<", svg)]
    assert 2 <= len(labels) <= 6
    assert labels[0] == "11-01" and labels[-1] == "11-30"
    # Fourteen days (the dashboards' series): the last label never crowds its neighbour.
    days = line_chart_svg(series=[Series("s", points[:14])], title="14 天")
    shown = [int(t[-2:]) for t in re.findall(r">(11-\d\d)<", days)]
    assert shown[-1] == 14 and all(b - a >= 3 for a, b in itertools.pairwise(shown))


def test_funnel_chart_bars_shrink_with_the_steps_and_show_conversion() -> None:
    svg = funnel_chart_svg(
        steps=[("浏览", 200), ("下单", 30), ("付款", 24)],
        title="接龙漏斗",
        band=(Decimal(8), Decimal(15)),
        band_label="常见转化率",
    )
    root = parse(svg)
    assert root.get("role") == "img"
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#2563eb"]
    widths = [float(b.get("width", "0")) for b in bars]
    assert widths[0] == 344 and widths[0] > widths[1] > widths[2] > 0
    assert abs(widths[1] / widths[0] - 0.15) < 0.001
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "30 · 15%" in text and "24 · 80%" in text
    band = [r for r in root.iter(f"{SVG}rect") if r.get("fill-opacity") == "0.15"]
    assert len(band) == 1
    assert abs(float(band[0].get("x", "0")) - (8 + 344 * 0.08)) < 0.1
    assert "常见转化率 8%–15%" in text


def test_funnel_chart_escapes_and_handles_empty_and_zero_steps() -> None:
    svg = funnel_chart_svg(steps=[(HOSTILE, 0), ("b", 0)], title=HOSTILE)
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE  # type: ignore[union-attr]
    assert "暂无数据" in funnel_chart_svg(steps=[], title="空")
    parse(funnel_chart_svg(steps=[], title="空"))


def test_funnel_chart_never_shows_a_step_above_100_percent() -> None:
    # A later step can exceed an earlier one when filters differ; the chart caps the share.
    svg = funnel_chart_svg(steps=[("a", 10), ("b", 25)], title="cap")
    root = parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#2563eb"]
    assert float(bars[1].get("width", "0")) == 344
    assert "25 · 100%" in svg
