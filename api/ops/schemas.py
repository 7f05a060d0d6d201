"""What the health checks answer (api/ops/routes.py); /metrics is Prometheus text, not JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    """503 with ready false until the knowledge is loaded and the database answers."""

    ready: bool
    knowledge: str | None = Field(description="the live knowledge's content hash; null while starting")
    units: int | None = Field(default=None, description="the search index's size; absent while starting")
    database: bool | None = Field(description="whether the database answers; null while starting")
