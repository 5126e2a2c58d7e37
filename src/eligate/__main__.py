"""``python -m eligate``: the same as the ``eligate`` command."""

from eligate.cli import main

main()
