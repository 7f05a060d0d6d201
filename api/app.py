"""The app factory: ``uvicorn --factory api.app:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.routers import health, knowledge
from api.settings import ApiSettings
from knowledge.search import Searcher, open_searcher


def create_app(settings: ApiSettings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.searcher is None:
            # Loading the model takes seconds; keep the event loop free meanwhile.
            app.state.searcher = await run_in_threadpool(open_searcher, settings.knowledge)
        yield

    app = FastAPI(title="工友助手", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.searcher = searcher
    app.include_router(health.router)
    app.include_router(knowledge.router)
    return app
