"""Tables for a terminal, drawn by rich: fitted to the width (cells cut with an ellipsis, never
wrapped onto a second line), coloured only on a TTY without NO_COLOR (https://no-color.org).

Cells are rich `Text`, never markup: a data source's error message that reads "[bold]" is shown
as typed. Values reach here already terminal-safe (output.safe_text).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

from rich.cells import cell_len
from rich.console import Console as RichConsole
from rich.table import Table
from rich.text import Text

DEFAULT_WIDTH = 80
GAP = 2  # spaces between columns
MIN_CELL = 4  # a cut column still shows three characters and the ellipsis
# Statuses people scan for, coloured when colour is on.
STATUS_STYLES = {
    "FAILED": "bold red",
    "INCOMPLETE": "yellow",
    "STUCK": "yellow",
    "ABORTED": "magenta",
    "SUCCEEDED": "green",
}


@dataclass(frozen=True)
class Terminal:
    width: int = DEFAULT_WIDTH
    color: bool = False

    @classmethod
    def of(cls, out: TextIO, env: Mapping[str, str], *, no_color: bool = False) -> Terminal:
        """The width from the terminal, else $COLUMNS, else 80; colour only on a TTY, without
        $NO_COLOR (any non-empty value) and without --no-color."""
        tty = _isatty(out)
        width = _terminal_width(out) if tty else None
        if width is None:
            columns = env.get("COLUMNS", "")
            width = int(columns) if columns.isdigit() and int(columns) > 0 else DEFAULT_WIDTH
        return cls(width=width, color=tty and not env.get("NO_COLOR") and not no_color)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        right: Sequence[bool] = (),
        flexible: Sequence[bool] = (),
        show_header: bool = True,
    ) -> str:
        """Rows under their headers, every column fitted so the table fits the width."""
        count = len(headers)
        right = list(right) or [False] * count
        natural = [
            max([cell_len(h) if show_header else 0] + [cell_len(row[i]) for row in rows])
            for i, h in enumerate(headers)
        ]
        widths = fit(natural, self.width, list(flexible) or [False] * count)
        table = Table(
            box=None,
            show_header=show_header,
            show_edge=False,
            pad_edge=False,
            padding=(0, GAP // 2),
            header_style="bold" if self.color else "",
        )
        for header, width, is_right in zip(headers, widths, right, strict=True):
            table.add_column(
                Text(header),
                width=width,
                no_wrap=True,
                overflow="ellipsis",
                justify="right" if is_right else "left",
            )
        for row in rows:
            table.add_row(*(Text(cell, style=self._style(cell)) for cell in row))
        return self._render(table)

    def _style(self, cell: str) -> str:
        return STATUS_STYLES.get(cell, "") if self.color else ""

    def _render(self, table: Table) -> str:
        buffer = io.StringIO()
        console = RichConsole(
            file=buffer,
            width=self.width,
            force_terminal=self.color,
            color_system="standard" if self.color else None,
            no_color=not self.color,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=False,
            legacy_windows=False,
        )
        console.print(table, crop=True)
        text = buffer.getvalue()
        if self.color:
            return text
        # rich pads every line to the table's width: trailing spaces are noise in a pipe.
        return "".join(line.rstrip() + "\n" for line in text.splitlines())


def fit(natural: Sequence[int], width: int, flexible: Sequence[bool]) -> list[int]:
    """Column widths that fit `width` with the gaps. The flexible columns (free text) are cut
    first, the widest to a common cap; then, if that is not enough, every column alike. Where
    even MIN_CELL per column does not fit, lines are cropped at the width, never wrapped."""
    room = width - GAP * max(len(natural) - 1, 0)
    widths = list(natural)
    for tier in ({i for i, f in enumerate(flexible) if f}, set(range(len(natural)))):
        if sum(widths) <= room or not tier:
            continue
        cap = max(widths[i] for i in tier)
        while cap > MIN_CELL and sum(_capped(widths, tier, cap)) > room:
            cap -= 1
        widths = _capped(widths, tier, cap)
    return widths


def _capped(widths: Sequence[int], tier: set[int], cap: int) -> list[int]:
    return [min(w, cap) if i in tier else w for i, w in enumerate(widths)]


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _terminal_width(out: TextIO) -> int | None:
    try:
        return os.get_terminal_size(out.fileno()).columns or None
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return None
