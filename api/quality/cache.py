"""Reports kept for a few minutes, computed once however many ask at the same time.

The gap report embeds and groups hundreds of questions: staff clicking the dashboard
again, or ten of them opening it together, must not each pay for that. A key names
everything the report depends on (period, knowledge revision, newest message), so a
new message or a publish is a new key and never an old answer; the time limit keeps
the memory small. Callers run in threads (the routes' thread pool), hence thread locks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

REPORT_TTL_S = 300.0
REPORTS_KEPT = 32


class ReportCache(Generic[Value]):
    def __init__(
        self, ttl_s: float = REPORT_TTL_S, size: int = REPORTS_KEPT, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self.clock = clock
        self._entries: dict[Hashable, tuple[float, Value]] = {}
        self._computing: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()  # held only for dictionary work, never while computing

    def _fresh(self, key: Hashable) -> tuple[float, Value] | None:
        entry = self._entries.get(key)
        return entry if entry is not None and entry[0] > self.clock() else None

    def _keep(self, key: Hashable, value: Value) -> None:
        now = self.clock()
        for old in [k for k, (until, _) in self._entries.items() if until <= now]:
            del self._entries[old]
        while len(self._entries) >= self.size:
            del self._entries[min(self._entries, key=lambda k: self._entries[k][0])]
        self._entries[key] = (now + self.ttl_s, value)

    def get(self, key: Hashable, compute: Callable[[], Value]) -> Value:
        """The kept value for ``key``, or ``compute()``'s; callers arriving meanwhile wait for it."""
        with self._guard:
            entry = self._fresh(key)
            if entry is not None:
                return entry[1]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:  # the first caller computes; the others queue here and then find its value
            with self._guard:
                entry = self._fresh(key)
                if entry is not None:
                    return entry[1]
            try:
                value = compute()
                with self._guard:
                    self._keep(key, value)
                return value
            finally:
                with self._guard:
                    if self._computing.get(key) is computing:
                        del self._computing[key]
