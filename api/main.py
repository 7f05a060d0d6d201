"""The app factory: ``uvicorn --factory api.main:create_app``; middleware and routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from api.action_server import routes as action_server
from api.action_server.routes import build_executor
from api.channels import partner, web
from api.channels.wechat import router as wechat
from api.container import Container
from api.errors import install_handlers
from api.handoff import routes as handoff
from api.knowledge_admin import routes as knowledge_admin
from api.knowledge_admin import search_routes as knowledge_search
from api.middleware import BodyLimit, RequestMetrics, SecurityHeaders
from api.ops import routes as ops
from api.ops.log_format import configure as configure_logging
from api.ops.metrics import Metrics
from api.pages import console as console_pages
from api.pages import widget as widget_pages
from api.privacy.redact import install_log_redaction
from api.quality import routes as quality
from api.settings import ApiSettings
from api.staff import routes as staff
from knowledge.search import Searcher


def create_app(settings: ApiSettings | None = None, searcher: Searcher | None = None) -> FastAPI:
    """The app; ``searcher``: one already loaded (tests share one model) instead of loading it."""
    settings = settings or ApiSettings()
    configure_logging(settings.log_format)
    install_log_redaction()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Migrating and loading the model take seconds: keep the event loop free meanwhile.
        container = await run_in_threadpool(Container.build, settings, metrics, searcher)
        container.start_background()
        app.state.container = container
        yield
        await container.close()

    docs = settings.env != "production"  # Swagger UI comes from a CDN: not on a production address
    app = FastAPI(
        title="工友助手",
        version="0.4.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    install_handlers(app)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.executor = build_executor()
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, per_path={"/webhook": settings.actions_max_body_bytes}
    )
    app.add_middleware(RequestMetrics, metrics=metrics)  # outermost: a 413 is counted too
    for router in (
        ops.router,
        knowledge_search.router,
        action_server.router,
        web.router,
        partner.router,
        wechat.router,  # brings its own lifespan: the customer-service API client
        widget_pages.router,
        staff.router,
        handoff.router,
        quality.router,
        knowledge_admin.router,
        console_pages.router,
    ):
        app.include_router(router)
    return app
