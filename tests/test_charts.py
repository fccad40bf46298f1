"""Chart geometry and its SVG: bars proportional to values, gaps for missing data, escaped labels."""

import pytest
from flask import render_template_string

from intranet.charts import bar_chart, line_chart, nice_max


@pytest.mark.parametrize(
    "value, expected", [(0, 1), (7, 10), (8, 10), (23, 25), (1, 1), (101, 125), (0.42, 0.5)]
)
def test_axis_tops_are_round_numbers(value, expected):
    assert nice_max(value) == pytest.approx(expected)


def test_bars_are_proportional_and_share_a_baseline():
    chart = bar_chart(["校内", "片区", "全区"], {"计划": [10, 4, 2], "已开展": [5, 4, 0]})
    heights = {bar.label: bar.height for bar in chart.bars}
    assert heights["校内 已开展"] == pytest.approx(heights["校内 计划"] / 2, abs=0.1)
    assert heights["全区 已开展"] == 0
    assert len({round(bar.y + bar.height, 1) for bar in chart.bars}) == 1
    assert [label for _, label in chart.categories] == ["校内", "片区", "全区"]


def test_missing_months_leave_gaps_in_a_line():
    chart = line_chart(["9月", "10月", "11月"], {"出勤率": [0.9, None, 0.6]}, percent=True)
    assert len(chart.lines[0]["dots"]) == 2
    assert chart.ticks[-1][1] == "100%"


def test_svg_escapes_labels_and_links_bars(app):
    chart = bar_chart(["<b>x</b>"], {"计划": [3]}, urls=["/dashboard/detail?x=1"])
    with app.test_request_context():
        svg = render_template_string(
            '{% from "macros/charts.html" import chart %}{{ chart(c, "活动") }}', c=chart
        )
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "<b>x</b>" not in svg
    assert '<a href="/dashboard/detail?x=1" aria-label="&lt;b&gt;x&lt;/b&gt; 计划：3"' in svg
    # Links inside role=img would be presentational, hidden from screen readers (axe).
    assert 'role="group" aria-label="活动（点柱子看明细）"' in svg and 'role="img"' not in svg


def test_a_chart_without_links_is_one_image(app):
    chart = bar_chart(["校内"], {"计划": [3]})
    with app.test_request_context():
        svg = render_template_string(
            '{% from "macros/charts.html" import chart %}{{ chart(c, "活动") }}', c=chart
        )
    assert 'role="img" aria-label="活动"' in svg and "<a " not in svg


@pytest.mark.parametrize(
    "most, ticks",
    [
        (4, ["0", "1", "2", "3", "4"]),
        (7, ["0", "2", "4", "6", "8"]),
        (0, ["0", "1"]),
        (11, ["0", "5", "10", "15"]),
        (23, ["0", "5", "10", "15", "20", "25"]),
    ],
)
def test_counts_get_whole_number_ticks(most, ticks):
    chart = bar_chart(["校内", "片区"], {"计划": [most, 1]})
    assert [label for _, label in chart.ticks] == ticks


def test_labels_too_long_for_their_slot_are_turned_not_overlapped():
    short = bar_chart(["校内", "片区", "全区"], {"计划": [1, 2, 3]})
    assert short.tilt == 0
    months = bar_chart([f"{m}月" for m in range(1, 13)], {"出勤率": [0.5] * 12}, percent=True)
    assert months.tilt > 0 and months.height > short.height  # room below for turned labels
    assert [label for _, label in months.ticks][-1] == "100%"
