"""JSON lines for the native field reader's checks, and its definition in Python.

``strict_field(line, field)`` is what ``_core.jsonl_fields`` must take from a line (and
every other non-blank line it must defer): ``json.loads(line)[field]`` when the line is
one strictly valid JSON object (no NaN/Infinity, nesting <= 500, starting with ``{``)
holding ``field`` once, as a str without a lone surrogate; else None.
"""

from __future__ import annotations

import json
import re
from typing import Any

LINES = [
    '{"text": "plain"}', '{"text": "caf\\u00e9 \u00e9 \u3000 \U0001f600"}', '{"text": ""}', '{"text": "a\\nb"}',
    '{"text": NaN}', '{"text": "x", "n": NaN}', '{"text": "\\ud800"}', '{"text": "\\ud83d\\ude00"}',
    '{"text": 123456789012345678901234567890}', '{"text": "x", "big": 123456789012345678901234567890}',
    '[1, 2]', '"just a string"', '{"other": "x"}', '{"text": null}', '{"text": 1}', '{"text": "a", "text": "b"}',
    '{"text": "x"', "not json", "", "   ", "\u3000", "\x1c", "\xa0 ", '\ufeff{"text": "bom"}',
    '{"text": "' + "[" * 3 + '"}', '{"text": ' + "[" * 1100 + "]" * 1100 + "}", '{"text": "x"}  ', '  {"text": "y"}',
    '{"text": "tab\\t"}\t', '{"text": "\u2028 \u0085"}',
    # nesting, keys and values the reader must see through
    '{"a": {"text": "inner"}, "text": "outer"}', '{"a": {"text": 1}}', '{"t\\u0065xt": "escaped key"}',
    '{"text": "q\\"uote\\\\ \\/ \\b\\f\\r\\t"}', '{"x": [true, false, null, -0.5e+3, 0, {"y": []}], "text": "t"}',
    '{"x": [1,], "text": "t"}', '{"x": 01, "text": "t"}', '{"x": 1., "text": "t"}', '{"x": .5, "text": "t"}',
    '{"x": tru, "text": "t"}', '{"text": "t",}', '{"text" "t"}', '{"text": "t"} x', '{}', '{"text": "\x01"}',
    '{"x": "\\ud800", "text": "lone elsewhere"}', '{"text": "\\uDBFF\\uDFFF hi"}', '{"text": "\\ud800\\u0041"}',
    '{"text": "\\u00"}', '{"text": "\\x41"}', '{"x": [' + "[" * 520 + "]" * 520 + '], "text": "deep"}',
    '{"x": [' + "[" * 40 + "]" * 40 + '], "text": "shallow"}', '{"text": "Infinity", "x": -Infinity}',
    '{"x":1E400,"text":"big exponent"}', '{ "text" : "spaced" , "y" : [ 1 , 2 ] }',
    # boolean masks, read a literal and its comma at a time: runs, their ends and near-misses
    '{"m":[false,false,true,true,true,false],"text":"mask"}', '{"m":[false,false,true,],"text":"t"}',
    '{"m":[true,false,fals],"text":"t"}', '{"m":[false,falsetrue,true],"text":"t"}', '{"m":[true,true,,],"text":"t"}',
    '{"m":[false,false,false,null,true,1],"text":"t"}', '{"text":"t","m":[true,true,true,true,true,true,',
    '{"m":[false,false, false,true ,true],"text":"t"}', '{"m":[true,True,false],"text":"t"}',
]


def _depth(s: str) -> int:
    """Deepest [ / { nesting of a JSON text (outside strings)."""
    depth = best = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', s):
        t = m.group()
        if t in "[{":
            depth += 1
            best = max(best, depth)
        elif t in "]}":
            depth -= 1
    return best


def strict_field(line: bytes, field: str) -> str | None:
    if line[:1] != b"{":
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _depth(text) > 500:
        return None
    objects: list[list[tuple[str, Any]]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        objects.append(pairs)  # inner objects close first: the top-level one is last
        return dict(pairs)

    def no_constant(name: str) -> None:
        raise ValueError(name)

    try:
        json.loads(text, object_pairs_hook=hook, parse_constant=no_constant)
    except (ValueError, RecursionError):
        return None
    values = [v for k, v in objects[-1] if k == field]
    if len(values) != 1 or not isinstance(values[0], str) or re.search("[\ud800-\udfff]", values[0]):
        return None
    return values[0]
