"""The retention purge for Rasa's own tracker store (its SQL ``events`` table).

Rasa keeps every event of a conversation forever; the api deletes a conversation's
events once its newest one is older than the retention period, the same rule as
for the api's own messages. Rasa's table layout (``events``: sender_id, timestamp
as epoch seconds) is stable across 3.x.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

DAY_S = 86_400


class TrackerRetention:
    def __init__(self, url: str) -> None:
        connect_args: dict[str, Any] = {"check_same_thread": False} if url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)

    def purge_before(self, retention_days: int, now: float | None = None) -> int:
        """Events deleted; 0 when Rasa has not made its table yet."""
        cutoff = (time.time() if now is None else now) - retention_days * DAY_S
        with self.engine.begin() as connection:
            if not self.engine.dialect.has_table(connection, "events"):
                return 0
            result = connection.execute(
                text(
                    "DELETE FROM events WHERE sender_id IN ("
                    " SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
                ),
                {"cutoff": cutoff},
            )
            return int(result.rowcount or 0)

    def close(self) -> None:
        self.engine.dispose()
