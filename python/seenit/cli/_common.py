"""What every ``seenit`` command shares: the consoles, the one error path, and joining a
command group that several areas add to (``seenit dedup minhash|exact|semantic``).

Every command is registered through :func:`add_command` (or :func:`add_to_group`), which wraps
it in :func:`user_errors`: a mistake of the user's (a missing file, a bad value, a damaged index,
a missing optional extra) ends as one ``error: ...`` line on stderr and exit code 1, never a
traceback. Usage errors (unknown option, bad type) stay click's: exit code 2.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ..io import EmptyTextWarning

#: stderr: progress, status lines and errors; stdout keeps the results (tables) pipeable.
err_console = Console(stderr=True)

#: What a command may raise for a user mistake. IndexFormatError is a ValueError; zstandard's
#: ZstdError and RecursionError (a deeply nested JSON line) come from reading bad input files.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, TypeError, OSError, ImportError, RecursionError,
                                                 UnicodeError, KeyError)

F = TypeVar("F", bound=Callable[..., Any])

#: The help of ``seenit dedup``, whichever area registers the group first.
DEDUP_HELP = "Deduplicate corpora."


def error_message(e: BaseException) -> str:
    """One line for the user: what went wrong, with the file where there is one."""
    if isinstance(e, OSError) and e.strerror and e.filename is not None:
        return f"{e.strerror}: {e.filename}"
    if isinstance(e, ModuleNotFoundError) and e.name and str(e).startswith("No module named"):
        return f"{e} (an optional dependency: see the README's list of extras, e.g. pip install 'seenit[io]')"
    if isinstance(e, RecursionError):
        return "an input record is nested too deeply to read"
    if isinstance(e, FileNotFoundError) and str(e).lower().rstrip("'\"").endswith(("'true", "'false", "'yes", "'no")):
        return f"{e} (flags such as --overwrite take no value: write --overwrite, not --overwrite true)"
    if isinstance(e, KeyError):
        return f"missing field {e}"
    msg = str(e).strip() or type(e).__name__
    return " ".join(msg.split("\n"))


def fail(msg: str) -> typer.Exit:
    """Print ``error: msg`` (no rich markup is interpreted in msg) and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(msg)}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def check_out(path: Any, *, inputs: Any = (), overwrite: bool = False, name: str = "--out",
              suffixes: Any = None, directory: bool = False) -> Any:
    """Check an output path before any work (the CLI's spelling of
    :func:`seenit.io.check_output_path`): not an input, not a directory (or a file, for
    ``directory``), refused if it exists unless ``--overwrite``, its parent writable."""
    from ..io import check_output_path, expand_paths

    files = expand_paths(inputs) if inputs else []
    return check_output_path(path, name=name, inputs=files, overwrite=overwrite, overwrite_hint="add --overwrite",
                             suffixes=suffixes, directory=directory)


def user_errors(fn: F) -> F:
    """Wrap a command so that a user mistake is one ``error:`` line and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        shown: set[str] = set()

        def show(message: Any, category: Any, filename: Any, lineno: Any, file: Any = None, line: Any = None) -> None:
            text = " ".join(str(message).split())
            if text not in shown:  # once per command, however often the input is read
                shown.add(text)
                err_console.print(f"[bold yellow]warning:[/] {escape(text)}", highlight=False, soft_wrap=True)

        try:
            with warnings.catch_warnings():
                warnings.showwarning = show
                warnings.simplefilter("always", EmptyTextWarning)
                return fn(*args, **kwargs)
        except USER_ERRORS as e:
            raise fail(error_message(e)) from None
        except Exception as e:  # zstandard.ZstdError and other readers' own error types
            if type(e).__module__.split(".")[0] in ("zstandard", "pyarrow", "csv", "json", "gzip"):
                raise fail(error_message(e)) from None
            raise

    return wrapper  # type: ignore[return-value]


def add_command(app: typer.Typer, name: str, fn: Callable[..., Any]) -> None:
    """Register ``fn`` as ``name`` on ``app`` behind the one error path."""
    app.command(name)(user_errors(fn))


def add_to_group(app: typer.Typer, group: str, help: str, name: str, fn: Callable[..., Any]) -> None:
    """Register ``fn`` as ``seenit GROUP NAME``, creating the group on first use (several areas
    add to ``dedup``)."""
    for info in app.registered_groups:
        if info.name == group and info.typer_instance is not None:
            add_command(info.typer_instance, name, fn)
            return
    sub = typer.Typer(help=help, no_args_is_help=True)
    add_command(sub, name, fn)
    app.add_typer(sub, name=group)
