"""The HTML report of a contamination scan: one self-contained file (inline CSS and SVG, nothing
fetched), rendered from the report dict of docs/report_schema.md (what ``seenit scan`` writes to
``DIR/report.json``). See docs/report.md.

    from seenit.report import write_html
    write_html(json.load(open("out/report.json")), "out/report.html")
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .._validate import check_int
from .html import Page
from .svg import histogram_svg, roc_svg
from .validate import SUPPORTED_SCHEMA_VERSIONS, check_report

__all__ = ["SUPPORTED_SCHEMA_VERSIONS", "check_report", "histogram_svg", "render_html", "roc_svg", "write_html"]


def render_html(report: Mapping[str, Any], *, max_items: int = 200, context_chars: int = 300, max_item_chars: int = 4000) -> str:
    """The report page as a string.

    ``max_items``: flagged items shown per benchmark (contaminated first, then partial, each in
    benchmark order; the page states how many are left out). ``context_chars``: characters of a
    corpus document shown either side of the match (documents up to 4x that are shown whole).
    ``max_item_chars``: longest benchmark item text shown. Raises ValueError (TypeError for a
    non-dict) when ``report`` does not follow a supported schema_version, before any rendering.
    """
    check_int(max_items, "max_items", 0)
    check_int(context_chars, "context_chars", 1)
    check_int(max_item_chars, "max_item_chars", 1)
    check_report(report)
    return Page(report, max_items=max_items, context_chars=context_chars, max_item_chars=max_item_chars).render()


def write_html(
    report: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    max_items: int = 200,
    context_chars: int = 300,
    max_item_chars: int = 4000,
) -> None:
    """Render ``report`` (options as in :func:`render_html`) and write it to ``path`` atomically;
    an invalid report raises before anything is written."""
    from ..io import atomic_write

    page = render_html(report, max_items=max_items, context_chars=context_chars, max_item_chars=max_item_chars)
    with atomic_write(path) as fh:
        fh.write(page)
