"""``python -m eligate``: the same as the ``eligate`` command."""

from eligate.service.cli import main

main()
