"""Liveness, readiness and the Prometheus metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api.container import Container
from api.deps import MetricsDep, StartingContainerDep
from api.ops.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz")
def healthz() -> HealthOut:
    """The process answers: restart it only when this fails."""
    return HealthOut(status="ok")


def _database_answers(container: Container) -> bool:
    try:
        with container.cases.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("readiness: the database does not answer (%s)", type(exc).__name__)
        return False


# Unset fields are left out: while starting, the answer has no "units" at all.
@router.get(
    "/readyz",
    response_model_exclude_unset=True,
    responses={503: {"model": ReadyOut, "description": "still starting, or the database does not answer"}},
)
async def readyz(container: StartingContainerDep, response: Response) -> ReadyOut:
    """Send traffic here only when the knowledge is loaded and the database answers."""
    if container is None:
        response.status_code = 503
        return ReadyOut(ready=False, knowledge=None, database=None)
    database = await run_in_threadpool(_database_answers, container)
    if not database:
        response.status_code = 503
    searcher = container.searcher
    return ReadyOut(ready=database, knowledge=searcher.kb.content_hash, units=searcher.index.size, database=database)


@router.get("/metrics", include_in_schema=False)
def metrics(figures: MetricsDep, container: StartingContainerDep) -> Response:
    if container is not None:
        figures.knowledge_version.set(container.searcher.revision)
    return Response(figures.render(), media_type=figures.content_type)
