"""A one-line progress counter on stderr, shown only when stderr is a terminal.

A backfill of many data sources takes minutes; a person wants to see it move, a script that
captures stderr does not want carriage returns in its log.
"""

from __future__ import annotations

import threading
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO, label: str, enabled: bool | None = None) -> None:
        self._stream = stream
        self._label = label
        self.enabled = stream.isatty() if enabled is None else enabled
        self.total: int | None = None
        self.done = 0
        self._lock = threading.Lock()
        self._shown = False

    def set_total(self, total: int) -> None:
        with self._lock:
            self.total = total
            self._show()

    def advance(self) -> None:
        with self._lock:
            self.done += 1
            self._show()

    def finish(self) -> None:
        with self._lock:
            if self._shown:
                self._stream.write("\n")
                self._stream.flush()
                self._shown = False

    def _show(self) -> None:
        if not self.enabled:
            return
        of = f"/{self.total}" if self.total is not None else ""
        self._stream.write(f"\r{self._label}: {self.done}{of}")
        self._stream.flush()
        self._shown = True
