"""Horizontal bar charts drawn as SVG on the server: no chart script, no inline styles.

Bars are sized in percentages of the chart's width and text in pixels, so a chart fills
a phone or a desktop card without its text shrinking or growing.
"""

from dataclasses import dataclass, field

#: Colours from the portal's palette (SVG `fill` attributes: the CSP forbids inline styles).
TRACK = "#e6e9ee"
BRAND = "#1f4e79"
OK = "#1e6b3a"
OK_SOFT = "#8cc9a2"
ACCENT = "#b5651d"

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


def share(part: int, whole: int) -> float:
    """`part` as a percentage of `whole` for drawing: 0 to 100, one decimal."""
    if whole <= 0 or part <= 0:
        return 0.0
    return round(min(100.0, part * 100 / whole), 1)
