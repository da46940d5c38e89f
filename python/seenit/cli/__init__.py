"""The ``seenit`` command line (typer + rich). Subcommands live in one module per area
(``cli/<area>.py``) and are registered here so ``seenit --help`` lists them all."""

from __future__ import annotations

from typing import Optional

import typer

from .. import __version__

app = typer.Typer(
    name="seenit",
    help="Has this been seen? Contamination scans, dedup, nearest-example search and membership inference.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"seenit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(None, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="Worker threads (default: SEENIT_NUM_THREADS or all cores)."),
) -> None:
    if threads is not None:
        from .._runtime import set_num_threads

        set_num_threads(threads)


from .ngram import register as _register_ngram  # noqa: E402

_register_ngram(app)

from .sketch import register as _register_dedup  # noqa: E402

_register_dedup(app)

from .logprob import register as _register_mia  # noqa: E402

_register_mia(app)

from .search import register as _register_search  # noqa: E402

_register_search(app)

from .scan import register as _register_scan  # noqa: E402

_register_scan(app)

from .select import register as _register_select  # noqa: E402

_register_select(app)

from .probe import register as _register_probe  # noqa: E402

_register_probe(app)


def main() -> None:
    app()

