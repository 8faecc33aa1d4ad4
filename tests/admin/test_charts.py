"""The dashboard's bar charts: SVG drawn on the server, every text escaped."""

from portal.admin.charts import BRAND, OK, BarChart, Row, Segment


def test_a_chart_draws_each_row_with_its_label_value_bars_and_detail():
    chart = BarChart(
        [
            Row("Fish & chips", "50%", [Segment(50.0, BRAND), Segment(0.0, OK)], detail="5/10"),
            Row("Owners' meet at the harbour", "0%", [Segment(0.0, BRAND)]),
        ]
    )

    svg = chart.svg("events-chart", "events-heading", "Fill rate of the next 2 events")

    assert svg == (
        '<svg class="bar-chart" width="100%" height="103" role="img"'
        ' aria-labelledby="events-heading events-chart-desc" focusable="false">\n'
        '<desc id="events-chart-desc">Fill rate of the next 2 events</desc>\n'
        "<g>\n"
        '<text x="0" y="15" class="chart-label" fill="#1d2430">Fish &amp; chips</text>\n'
        '<text x="100%" y="15" text-anchor="end" class="chart-value" fill="#1d2430">50%</text>\n'
        '<rect x="0" y="23" width="100%" height="10" rx="5" fill="#e6e9ee"></rect>\n'
        '<rect x="0" y="23" width="50.0%" height="10" rx="5" fill="#1f4e79"></rect>\n'
        '<text x="0" y="50" class="chart-detail" fill="#5b6472">5/10</text>\n'
        "</g>\n"
        "<g>\n"
        "<title>Owners&#39; meet at the harbour</title>\n"
        '<text x="0" y="83" class="chart-label" fill="#1d2430">Owners&#39; meet at the ha…</text>\n'
        '<text x="100%" y="83" text-anchor="end" class="chart-value" fill="#1d2430">0%</text>\n'
        '<rect x="0" y="91" width="100%" height="10" rx="5" fill="#e6e9ee"></rect>\n'
        "</g>\n"
        "</svg>"
    )


def test_a_chart_escapes_what_people_typed():
    hostile = '<script>alert("x")</script>'
    chart = BarChart([Row(hostile, hostile, [Segment(10.0, BRAND)], detail=hostile)])

    svg = chart.svg("c", "h", hostile)

    assert "<script>" not in svg and svg.count("&lt;script&gt;") == 5  # with the long label in full
