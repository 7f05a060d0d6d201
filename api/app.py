"""The app factory: ``uvicorn --factory api.app:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from actions import services
from actions.case_store import CaseStore
from api.routers import actions, health, knowledge
from api.settings import ApiSettings
from knowledge.search import Searcher, open_searcher


def create_app(settings: ApiSettings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.searcher is None:
            # Loading the model takes seconds; keep the event loop free meanwhile.
            app.state.searcher = await run_in_threadpool(open_searcher, settings.knowledge)
        cases = await run_in_threadpool(CaseStore, settings.database_url)
        services.configure(services.Services(app.state.searcher, cases, settings.handoff_notice))
        app.state.cases = cases
        yield

    app = FastAPI(title="工友助手", version="0.2.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.searcher = searcher
    app.state.executor = actions.build_executor()
    app.include_router(health.router)
    app.include_router(knowledge.router)
    app.include_router(actions.router)
    return app
