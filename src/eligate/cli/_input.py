"""What every command does with its inputs: read a file (or ``-``), or say in one line why not."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NoReturn

import typer

EXIT_BAD_INPUT = 2


class InputFileError(Exception):
    """A command's input cannot be used; carries the stable code and the one-line message."""

    def __init__(self, code: str, source: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.source = source
        self.message = message

    def line(self) -> str:
        """The one line printed on stderr."""
        return f"eligate: error[{self.code}]: {self.source}: {self.message}"


def read_input(name: str) -> bytes:
    """The bytes of file ``name``, or of standard input for ``-``.

    Raises:
        InputFileError: the file is missing, a directory, or unreadable.
    """
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise InputFileError("file_not_found", name, "no such file") from None
    except IsADirectoryError:
        raise InputFileError("not_a_file", name, "is a directory") from None
    except OSError as error:
        raise InputFileError("unreadable_file", name, error.strerror or "cannot be read") from None


def read_inputs(names: Iterable[str], problems: list[str]) -> Iterator[tuple[str, bytes]]:
    """Each readable file's name and bytes; each unreadable one's line goes to ``problems``."""
    for name in names:
        try:
            yield name, read_input(name)
        except InputFileError as unusable:
            problems.append(unusable.line())


def fail(problem: InputFileError) -> NoReturn:
    """Print ``problem``'s line on stderr and exit with status 2."""
    typer.echo(problem.line(), err=True)
    raise typer.Exit(EXIT_BAD_INPUT)
