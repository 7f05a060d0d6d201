"""The one declarative base of the api's tables, and the one way they store a moment.

Every store's rows derive from ``Base``, so ``Base.metadata`` is the whole schema that
the migrations in api/db/migrations must match. The tables are made by Alembic alone:
no store creates or alters anything when it opens.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC, aware on the way out whatever the database kept.

    PostgreSQL keeps the zone; SQLite drops it and gives back a naive value, which is UTC
    here because nothing else is ever written (a naive value written is taken as UTC too).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime}  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
