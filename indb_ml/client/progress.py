"""A tqdm progress bar for long server calls, fed by the server's own progress reports.

During a call the client sets ``indb_ml.show_progress`` for its transaction (``set_config(...,
true)``), so the server sends one INFO line per iteration or phase (indb_ml/core/progress.py);
a psycopg notice handler parses them and moves the bar. tqdm's ``delay`` keeps calls shorter
than a second silent. Every client method that runs a server call does this
(``Database._calling``); turn it off per call with ``progress=False`` (then the setting is not
set and no INFO line is sent) or for the session with ``db.progress_bar = False``;
``db.progress_file`` is where it is drawn (default stderr). Without tqdm installed (``pip
install indb_ml[client]``) there is no bar.

>>> parse("indb_ml progress: pagerank iterate iteration 3 of 100 (97 left) loss 0.25")
('pagerank', 'iterate', 3, 100, 0.25)
>>> parse("something else") is None
True
"""

from __future__ import annotations

import re
import time
from typing import Any

import psycopg

# Same text as PREFIX in indb_ml/core/progress.py (tests/test_progress.py checks it).
PREFIX = "indb_ml progress: "
SHOW_SQL = "SELECT pg_catalog.set_config('indb_ml.show_progress', 'on', true)"
DELAY = 1.0  # seconds before a bar is drawn

_LINE = re.compile(r"^(?P<func>\S+)(?: .*?)? (?P<phase>\w+) iteration (?P<it>\d+)"
                   r"(?: of (?P<max>\d+))?.*?(?: loss (?P<loss>\S+))?$")


def parse(message: str) -> tuple[str, str, int, int | None, float | None] | None:
    """``(function, phase, iteration, max_iter, loss)`` of one INFO line, None for other messages."""
    if not message.startswith(PREFIX):
        return None
    m = _LINE.match(message[len(PREFIX):])
    if m is None:
        return None
    return (m["func"], m["phase"], int(m["it"]), int(m["max"]) if m["max"] else None,
            float(m["loss"]) if m["loss"] else None)


class Bar:
    """A notice handler that draws the reports on a tqdm bar (created at the first report)."""

    def __init__(self, file: Any = None):
        self.file = file
        self.bar = None
        self.started = time.monotonic()  # the delay counts from the call's start, not its first report
        self.reports = 0

    def __call__(self, diag: psycopg.errors.Diagnostic) -> None:
        got = parse(diag.message_primary or "")
        if got is None:
            return
        func, phase, iteration, max_iter, loss = got
        self.reports += 1
        if self.bar is None:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            delay = max(DELAY - (time.monotonic() - self.started), 0.0)
            self.bar = tqdm(total=max_iter, desc=func, delay=delay, file=self.file, unit="it",
                            dynamic_ncols=self.file is None)
        if max_iter is not None and self.bar.total != max_iter:
            self.bar.total = max_iter
        self.bar.set_description_str(f"{func} {phase}", refresh=False)
        if loss is not None:
            self.bar.set_postfix_str(f"loss {loss:.6g}", refresh=False)
        self.bar.update(max(iteration - self.bar.n, 0))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
