"""Horizontal bar charts drawn as SVG on the server: no chart script, no inline styles.

Bars are sized in percentages of the chart's width and text in pixels, so a chart fills
a phone or a desktop card without its text shrinking or growing.
"""

from dataclasses import dataclass, field

from markupsafe import Markup, escape

#: Colours from the portal's palette (SVG `fill` attributes: the CSP forbids inline styles).
TRACK = "#e6e9ee"
BRAND = "#1f4e79"
OK = "#1e6b3a"
OK_SOFT = "#8cc9a2"
ACCENT = "#b5651d"
#: Text colours: labels and values, detail lines.
INK = "#1d2430"
MUTED = "#5b6472"

#: Row geometry in pixels: a label line, the bar, an optional detail line.
LABEL_BASELINE = 15
BAR_TOP = 23
BAR_HEIGHT = 10
DETAIL_BASELINE = 50
ROW_GAP = 14
#: Labels longer than this are shortened in the chart (the table shows them in full).
LABEL_CHARS = 23


@dataclass(frozen=True)
class Segment:
    """One coloured part of a bar, from the left edge to `percent` of the width."""

    percent: float
    fill: str


@dataclass
class Row:
    """One bar with its label, a short value at the right, and an optional detail line."""

    label: str
    value: str
    segments: list[Segment]
    detail: str = ""
    y: int = 0

    @property
    def short_label(self) -> str:
        if len(self.label) <= LABEL_CHARS:
            return self.label
        return self.label[: LABEL_CHARS - 1].rstrip() + "…"

    @property
    def label_y(self) -> int:
        return self.y + LABEL_BASELINE

    @property
    def bar_y(self) -> int:
        return self.y + BAR_TOP

    @property
    def detail_y(self) -> int:
        return self.y + DETAIL_BASELINE


@dataclass
class BarChart:
    """Rows laid out top to bottom; `height` is the SVG's height in pixels."""

    rows: list[Row] = field(default_factory=list)
    bar_height: int = BAR_HEIGHT
    track: str = TRACK

    def __post_init__(self) -> None:
        y = 0
        for row in self.rows:
            row.y = y
            y += self.row_height(row) + ROW_GAP
        self.height = max(y - ROW_GAP, 0) + 2

    @staticmethod
    def row_height(row: Row) -> int:
        return DETAIL_BASELINE + 4 if row.detail else BAR_TOP + BAR_HEIGHT

    def svg(self, chart_id: str, label_id: str, summary: str) -> Markup:
        """The chart as an `<svg role="img">` named by the element `label_id` (its heading) and
        described by `summary`; `chart_id` names its description.

        Drawn here rather than by a template: a dozen rows of a dozen attributes each cost a
        template more than the rest of the dashboard together. Every text is escaped.
        """
        radius = self.bar_height // 2
        bar = f'height="{self.bar_height}" rx="{radius}"'
        parts = [
            f'<svg class="bar-chart" width="100%" height="{self.height}" role="img"'
            f' aria-labelledby="{escape(label_id)} {escape(chart_id)}-desc" focusable="false">\n'
            f'<desc id="{escape(chart_id)}-desc">{escape(summary)}</desc>\n'
        ]
        for row in self.rows:
            short = row.short_label
            parts.append("<g>\n")
            if short != row.label:
                parts.append(f"<title>{escape(row.label)}</title>\n")
            parts.append(
                f'<text x="0" y="{row.label_y}" class="chart-label" fill="{INK}">'
                f"{escape(short)}</text>\n"
                f'<text x="100%" y="{row.label_y}" text-anchor="end" class="chart-value"'
                f' fill="{INK}">{escape(row.value)}</text>\n'
                f'<rect x="0" y="{row.bar_y}" width="100%" {bar} fill="{self.track}"></rect>\n'
            )
            for segment in row.segments:
                if segment.percent > 0:
                    parts.append(
                        f'<rect x="0" y="{row.bar_y}" width="{segment.percent}%" {bar}'
                        f' fill="{segment.fill}"></rect>\n'
                    )
            if row.detail:
                parts.append(
                    f'<text x="0" y="{row.detail_y}" class="chart-detail" fill="{MUTED}">'
                    f"{escape(row.detail)}</text>\n"
                )
            parts.append("</g>\n")
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 - every text above is escaped


def share(part: int, whole: int) -> float:
    """`part` as a percentage of `whole` for drawing: 0 to 100, one decimal."""
    if whole <= 0 or part <= 0:
        return 0.0
    return round(min(100.0, part * 100 / whole), 1)
