"""Every table the api keeps: what Alembic compares the database against.

The api's stores declare their rows on the one ``api.db.base.Base``; the knowledge the
office edits keeps its own base in knowledge/store.py (knowledge/ imports nothing of
the api). Importing the stores here registers their tables; the migrations in
api/db/migrations are what make and change them.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from api.cases import store as _cases  # noqa: F401 (registers the tables)
from api.conversations import history as _history  # noqa: F401
from api.conversations import web_sessions as _web_sessions  # noqa: F401
from api.db.base import Base
from api.handoff import store as _handoff  # noqa: F401
from api.privacy import vault as _vault  # noqa: F401
from api.staff import accounts as _accounts  # noqa: F401
from knowledge import store as knowledge_store

TARGET_METADATA: tuple[MetaData, ...] = (Base.metadata, knowledge_store.Base.metadata)
TABLE_NAMES = frozenset(name for metadata in TARGET_METADATA for name in metadata.tables)


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name: other tables in the same database (Rasa's tracker) are none of its business."""
    return type_ != "table" or name in TABLE_NAMES
