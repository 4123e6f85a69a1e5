"""Progress of long operator commands (directory import and export, demand export): a bar on
stderr while stderr is a terminal, and, always, one summary line on stderr at the end.

A bar on a pipe or in a log would be noise, so there it is left out; the summary line says
what was done and how long it took whatever the output is. Nothing goes to stdout, where an
export may be writing its file. Operator output: English, no identifiers (the counts only).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

import click

T = TypeVar("T")


def to_terminal() -> bool:
    """Whether stderr is a terminal (a person watching), where a bar is worth drawing."""
    return sys.stderr.isatty()


def counted(items: Sequence[T], label: str) -> Iterator[T]:
    """``items``, one by one, counted off on a bar labelled ``label`` when stderr is a
    terminal. The bar is finished when the last item has been taken."""
    if not to_terminal():
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr, show_pos=True,
                           show_eta=True) as bar:
        yield from bar


class Summary:
    """The closing line of a command: ``done("exported 42 services")`` prints
    "exported 42 services in 0.4 s" on stderr."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"

    def done(self, text: str) -> None:
        click.echo(f"{text} in {self.elapsed()}", err=True)
