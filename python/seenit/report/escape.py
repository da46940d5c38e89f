"""HTML escaping for untrusted text (benchmark items, corpus documents, file names)."""

from __future__ import annotations

import html


def esc(value: object) -> str:
    """``str(value)`` escaped for HTML/SVG text and double- or single-quoted attribute values."""
    return html.escape(str(value), quote=True)
