"""The app factory: ``uvicorn --factory api.app:create_app``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool

from actions import services
from actions.case_store import CaseStore
from actions.pii_vault import Cipher, PiiVault, load_key
from api.accounts import AccountStore
from api.channels.registry import ChannelRegistry
from api.conversation import Conversations
from api.errors import install_handlers
from api.handoff import HandoffStore
from api.history import History
from api.limits import Limits
from api.log_format import configure as configure_logging
from api.metrics import Metrics, RequestMetrics
from api.middleware import BodyLimit, SecurityHeaders
from api.migrate import upgrade
from api.pii import install_log_redaction
from api.production import check as check_production
from api.rasa_auth import RasaToken
from api.rasa_client import RasaClient
from api.routers import (
    actions,
    admin,
    auth,
    console,
    console_pages,
    health,
    knowledge,
    pages,
    partner,
    quality,
    web,
    wechat,
)
from api.settings import ApiSettings
from api.tracker_retention import TrackerRetention
from knowledge.publish import LiveSearcher, Publisher, open_live, open_store
from knowledge.search import Searcher

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600


@dataclass
class Retention:
    """Everything the hourly purge deletes from, and after how long."""

    settings: ApiSettings
    cases: CaseStore
    vault: PiiVault
    accounts: AccountStore
    history: History
    handoffs: HandoffStore
    trackers: TrackerRetention | None

    def purge(self) -> dict[str, int]:
        days = self.settings
        purged = {
            "vault": self.vault.purge(),
            "case_contacts": self.cases.purge_contacts(days.pii_retention_days),
            "cases": self.cases.purge_cases(days.case_retention_days),
            "messages": self.history.purge_before(days.conversation_retention_days),
            "conversation_states": self.handoffs.purge_before(days.conversation_retention_days),
            "sessions": self.accounts.purge_sessions(),
        }
        if self.trackers is not None:
            purged["tracker_events"] = self.trackers.purge_before(days.conversation_retention_days)
        return purged


async def purge_forever(retention: Retention) -> None:
    """Delete what is past its time, every hour; a failed round is retried the next."""
    while True:
        try:
            purged = await run_in_threadpool(retention.purge)
            log.info("retention purge: %s", purged)
        except Exception:  # the service goes on; the next hour tries again
            log.exception("retention purge failed")
        await asyncio.sleep(PURGE_EVERY_S)


async def follow_publishes(publisher: Publisher, every_s: float) -> None:
    """Another api process may publish: pick up the store's newer knowledge within seconds."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await run_in_threadpool(publisher.refresh)
        except Exception:  # the old knowledge stays live; the next round tries again
            log.exception("knowledge refresh failed")


def create_app(settings: ApiSettings | None = None, searcher: Searcher | None = None) -> FastAPI:
    settings = settings or ApiSettings()
    check_production(settings)
    configure_logging(settings.log_format)
    install_log_redaction()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The schema first (Alembic); the stores' own create_all then finds every table made.
        await run_in_threadpool(upgrade, settings.database_url)
        # The knowledge the office edits lives in the same database; seeded from the YAML once.
        store = await run_in_threadpool(open_store, settings.knowledge, settings.database_url)
        given = app.state.searcher
        if given is None:
            # Loading the model takes seconds; keep the event loop free meanwhile.
            live = await run_in_threadpool(open_live, settings.knowledge, store)
        else:  # a caller's searcher (tests share one model), brought up to the store's knowledge
            live = given if isinstance(given, LiveSearcher) else LiveSearcher(given, 0)
        app.state.publisher = Publisher(store, live, settings.knowledge)
        await run_in_threadpool(app.state.publisher.refresh)  # nothing to do when already current
        app.state.searcher = live
        app.state.knowledge_store = store
        cases = await run_in_threadpool(CaseStore, settings.database_url)
        cipher = Cipher(load_key(settings.pii_key, settings.pii_key_file))
        vault = await run_in_threadpool(PiiVault, settings.database_url, cipher)
        history = await run_in_threadpool(History, settings.database_url)
        app.state.accounts = await run_in_threadpool(
            AccountStore, settings.database_url, settings.session_hours, settings.session_idle_minutes
        )
        services.configure(services.Services(app.state.searcher, cases, settings.handoff_notice, vault))
        rasa = RasaClient(
            settings.rasa_url_list, settings.rasa_timeout_s, RasaToken(settings.rasa_jwt_secret), observe=metrics.rasa
        )
        limits = Limits(settings.redis_url)
        app.state.cases = cases
        app.state.channels = ChannelRegistry(history)
        handoffs = await run_in_threadpool(HandoffStore, settings.database_url)
        app.state.handoffs = handoffs
        app.state.conversations = Conversations(
            rasa, history, limits, vault, handoffs, settings.max_message_chars, settings.rate_per_minute, metrics
        )
        follow = asyncio.create_task(follow_publishes(app.state.publisher, settings.knowledge_refresh_s))
        trackers = TrackerRetention(settings.tracker_database_url) if settings.tracker_database_url else None
        app.state.retention = Retention(settings, cases, vault, app.state.accounts, history, handoffs, trackers)
        purge = asyncio.create_task(purge_forever(app.state.retention))
        yield
        for task in (purge, follow):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await rasa.close()
        await limits.close()
        if trackers is not None:
            trackers.close()

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
    app.state.searcher = searcher
    app.state.executor = actions.build_executor()
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
        health.router,
        knowledge.router,
        actions.router,
        web.router,
        partner.router,
        wechat.router,  # brings its own lifespan: the customer-service API client
        pages.router,
        auth.router,
        console.router,
        quality.router,
        admin.router,
        console_pages.router,
    ):
        app.include_router(router)
    return app
