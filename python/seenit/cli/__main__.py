"""``python -m seenit.cli``: the same as the ``seenit`` command."""

from . import main

main()
