"""Every table the api keeps, in one MetaData: what Alembic compares the database against.

Each store declares its own tables (and can still make them alone, for tests and
tools); the migrations in api/db/migrations are what shape a deployed database.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from api.cases import store as case_store
from api.conversations import history
from api.handoff import store as handoff
from api.privacy import vault as pii_vault
from api.staff import accounts
from knowledge import store as knowledge_store

STORE_METADATA: tuple[MetaData, ...] = (
    case_store.Base.metadata,
    pii_vault.Base.metadata,
    history.Base.metadata,
    accounts.Base.metadata,
    handoff.Base.metadata,
    knowledge_store.Base.metadata,
)
TABLE_NAMES = frozenset(table.name for metadata in STORE_METADATA for table in metadata.tables.values())


def combined_metadata() -> MetaData:
    """One MetaData with a copy of every store's tables (Alembic's target_metadata)."""
    combined = MetaData()
    for metadata in STORE_METADATA:
        for table in metadata.sorted_tables:
            if table.name in combined.tables:
                raise RuntimeError(f"two stores declare the table {table.name}")
            table.to_metadata(combined)
    return combined


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name: other tables in the same database (Rasa's tracker) are none of its business."""
    return type_ != "table" or name in TABLE_NAMES
