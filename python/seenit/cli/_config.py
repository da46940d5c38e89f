"""A command's options from a TOML file (``seenit scan --config scan.toml``), and written back.

Keys are the command's option names (``minhash-threshold`` or ``minhash_threshold``); values are
checked and converted by the option's own click type (ranges included), so a file accepts exactly
what the command line accepts. A repeatable option takes a list (or one string). An option given
on the command line wins over the file. ``[bench]`` may be a table ``NAME = "FILE[:fields]"``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import typer


def _toml() -> Any:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ImportError("reading --config needs Python 3.11 or tomli: pip install tomli") from None
    return tomllib


def config_values(ctx: typer.Context, path: str | os.PathLike[str], *, skip: tuple[str, ...] = ("config",)) -> dict[str, Any]:
    """The options ``path`` sets that the command line did not, converted by their click types.
    Raises ValueError naming the file and key (unknown option, wrong value, not TOML)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"--config: file not found: {str(p)!r}")
    try:
        data = _toml().loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise ValueError(f"{p}: not UTF-8 text ({e})") from None
    except ValueError as e:  # tomllib.TOMLDecodeError
        raise ValueError(f"{p}: not valid TOML ({e})") from None
    params = {q.name: q for q in ctx.command.params if q.param_type_name == "option" and q.name not in skip}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        q = params.get(name)
        if q is None:
            raise ValueError(f"{p}: unknown option {key!r} (options: {', '.join(sorted(n.replace('_', '-') for n in params))})")
        if isinstance(value, dict):
            if name != "bench":
                raise ValueError(f"{p}: {key} must be a value, not a table")
            value = [f"{k}={v}" for k, v in value.items()]
        if q.multiple and isinstance(value, str):
            value = [value]
        source = ctx.get_parameter_source(name)
        if source is not None and source.name == "COMMANDLINE":
            continue
        try:
            out[name] = q.process_value(ctx, value)
        except typer.BadParameter as e:
            raise ValueError(f"{p}: {key}: {e.message}") from None
        except (TypeError, ValueError) as e:
            raise ValueError(f"{p}: {key}: {e}") from None
    return out


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    # a TOML basic string: JSON's escapes are TOML's, except that JSON may leave DEL and escapes "/" never
    return json.dumps(os.fspath(v) if isinstance(v, os.PathLike) else str(v), ensure_ascii=False).replace("\x7f", "\\u007f")


def config_text(values: dict[str, Any]) -> str:
    """``values`` (option name -> value; None left out) as a TOML file :func:`config_values` reads back."""
    lines = ["# the options of this run (seenit scan --config reads this file)"]
    for name, v in values.items():
        if v is not None and v != [] and v != ():
            lines.append(f"{name.replace('_', '-')} = {_value(v)}")
    return "\n".join(lines) + "\n"
