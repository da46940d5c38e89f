"""Self-contained SVG charts for the report: histograms of scores in [0, 1] and ROC curves.

Pure Python (no plotting library): each function returns one ``<svg>`` element as a string,
with every piece of text escaped, so it can be inlined into HTML or written as a ``.svg`` file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .escape import esc

#: Line colours for several curves (colour-blind-safe order, Tableau 10).
PALETTE = ("#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2", "#edc948", "#9c755f")
#: Bar colours by verdict zone.
ZONE_COLOURS = {"clean": "#9bb7d4", "partial": "#f2b447", "contaminated": "#d9534f"}


def histogram_counts(values: Iterable[float], bins: int = 20) -> list[int]:
    """Counts of ``values`` in ``bins`` equal bins over [0, 1]; 1.0 falls in the last bin.

    Values outside [0, 1] are clipped into the first / last bin; NaN is ignored.
    """
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    counts = [0] * bins
    for v in values:
        x = float(v)
        if math.isnan(x):
            continue
        counts[min(bins - 1, max(0, int(x * bins)))] += 1
    return counts


def histogram_svg(
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    bins: int = 20,
    partial_at: float | None = None,
    contaminated_at: float | None = None,
    width: int = 360,
    height: int = 230,
) -> str:
    """Histogram of ``values`` in [0, 1] with a log-scaled count axis (most items score 0, so a
    linear axis would hide the few that matter). Bars are coloured by the verdict zone their bin
    falls in (below ``partial_at``: clean; from ``contaminated_at``: contaminated; between:
    partial), and the thresholds are drawn as dashed lines."""
    counts = histogram_counts(values, bins)
    left, right, top, bottom = 46, 14, 44, 38
    pw, ph = width - left - right, height - top - bottom
    decades = max(1, math.ceil(math.log10(max(counts) if counts and max(counts) else 1)))
    span = math.log10(1 + 10**decades)  # the axis runs from 0 to 10**decades items

    def y_of(c: float) -> float:
        return top + ph * (1 - math.log10(1 + c) / span)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{esc(title)}" font-family="system-ui, sans-serif" font-size="11">',
        f'<text x="{left}" y="16" font-size="12.5" font-weight="600" fill="#222">{esc(title)}</text>',
        f'<text x="{left}" y="31" fill="#777">{len(values):,} items · count on a log scale</text>',
    ]
    for d in range(decades + 1):  # grid at 0, 1, 10, 100, ...
        c = 0 if d == 0 else 10**d
        for cc in ((0, 1) if d == 0 else (c,)):
            y = y_of(cc)
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#e6e6e6"/>')
            out.append(f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end" fill="#666">{cc:,}</text>')
    bw = pw / bins
    for i, c in enumerate(counts):
        lo = i / bins
        zone = _zone(lo + 0.5 / bins, partial_at, contaminated_at)
        if c:
            y = y_of(c)
            out.append(
                f'<rect x="{left + i * bw + 0.5:.1f}" y="{y:.1f}" width="{bw - 1:.1f}" height="{top + ph - y:.1f}" '
                f'fill="{ZONE_COLOURS[zone]}"><title>{lo:.2f}-{lo + 1 / bins:.2f}: {c}</title></rect>'
            )
    for t, label in ((partial_at, "partial"), (contaminated_at, "contaminated")):
        if t is None or not 0 <= t <= 1 or (label == "partial" and t == contaminated_at):
            continue
        x = left + t * pw
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + ph}" stroke="#333" stroke-dasharray="4 3"/>')
        ly = top + 6 if label == "contaminated" else top + 18  # two rows, so close thresholds do not overlap
        text_w = 5.6 * len(f"{label} ≥ {t:g}")  # about 5.6 px a character at 10 px
        crosses = label == "partial" and contaminated_at is not None and x + 3 + text_w > left + contaminated_at * pw > x
        at_right = t > 0.6 or (crosses and x - 3 - text_w > left)
        out.append(
            f'<text x="{x - 3 if at_right else x + 3:.1f}" y="{ly}" text-anchor="{"end" if at_right else "start"}" '
            f'fill="#333" font-size="10">{label} ≥ {t:g}</text>'
        )
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#444"/>')
    for k in range(0, 11, 2):
        x = left + k / 10 * pw
        out.append(f'<line x1="{x:.1f}" y1="{top + ph}" x2="{x:.1f}" y2="{top + ph + 4}" stroke="#444"/>')
        out.append(f'<text x="{x:.1f}" y="{top + ph + 15}" text-anchor="middle" fill="#444">{k / 10:g}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="#333">{esc(xlabel)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _zone(x: float, partial_at: float | None, contaminated_at: float | None) -> str:
    if contaminated_at is not None and x >= contaminated_at:
        return "contaminated"
    if partial_at is not None and x >= partial_at:
        return "partial"
    return "clean"


def roc_svg(curves: Mapping[str, tuple[Any, Any]], *, title: str = "ROC", size: int = 360) -> str:
    """A self-contained SVG plot of ROC curves ``{name: (fpr, tpr)}`` on linear axes, with the
    chance diagonal and a legend."""
    pad = 40
    w = size - 2 * pad
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{size + 180}" height="{size}" '
        f'viewBox="0 0 {size + 180} {size}" font-family="system-ui, sans-serif" font-size="11">',
        f'<text x="{pad}" y="18" font-size="12.5" font-weight="600" fill="#222">{esc(title)}</text>',
        f'<rect x="{pad}" y="{pad}" width="{w}" height="{w}" fill="none" stroke="#444"/>',
        f'<line x1="{pad}" y1="{pad + w}" x2="{pad + w}" y2="{pad}" stroke="#bbb" stroke-dasharray="4 3"/>',
    ]
    for k in range(0, 11, 2):
        v = k / 10
        out.append(f'<text x="{pad + v * w:.1f}" y="{pad + w + 14}" text-anchor="middle" fill="#444">{v:g}</text>')
        out.append(f'<text x="{pad - 5}" y="{pad + (1 - v) * w + 3.5:.1f}" text-anchor="end" fill="#444">{v:g}</text>')
    out.append(f'<text x="{pad + w / 2:.1f}" y="{size - 6}" text-anchor="middle" fill="#333">false positive rate</text>')
    out.append(
        f'<text x="12" y="{pad + w / 2:.1f}" text-anchor="middle" fill="#333" '
        f'transform="rotate(-90 12 {pad + w / 2:.1f})">true positive rate</text>'
    )
    for i, (name, (fpr, tpr)) in enumerate(curves.items()):
        pts = " ".join(f"{pad + float(x) * w:.1f},{pad + (1 - float(y)) * w:.1f}" for x, y in zip(fpr, tpr))
        c = PALETTE[i % len(PALETTE)]
        out.append(f'<polyline points="{pts}" fill="none" stroke="{c}" stroke-width="1.8"/>')
        ly = pad + 4 + 16 * i
        out.append(f'<line x1="{size - pad + 52}" y1="{ly}" x2="{size - pad + 66}" y2="{ly}" stroke="{c}" stroke-width="3"/>')
        out.append(f'<text x="{size - pad + 70}" y="{ly + 4}" fill="#222">{esc(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)
