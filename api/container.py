"""The process's long-lived objects, built once at start-up and closed at shutdown.

``Container.start`` migrates the database (Alembic), opens the stores on one engine,
loads or takes the searcher, wires the Rasa client and the conversation turn, and
configures the actions served in-process. Routes never reach for these directly: they
ask for them through the typed dependencies in api/deps.py, which tests override.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from actions import services
from api.cases.store import CaseStore
from api.channels.registry import ChannelRegistry
from api.conversations.history import History
from api.conversations.limits import Limits
from api.conversations.rasa_auth import RasaToken
from api.conversations.rasa_client import RasaClient
from api.conversations.turn import Conversations
from api.conversations.web_sessions import SessionPolicy, WebSessions
from api.db.engine import IMMEDIATE, shared_engine
from api.db.migrate import upgrade
from api.handoff.store import HandoffStore
from api.ops.metrics import Metrics
from api.privacy.retention import Retention, RetentionDays
from api.privacy.tracker_retention import TrackerRetention
from api.privacy.vault import Cipher, PiiVault, load_key
from api.quality.cache import ReportCache
from api.quality.schemas import GapReport
from api.settings import ApiSettings
from api.staff.accounts import AccountStore
from api.staff.passwords import PasswordChecks
from knowledge.publish import LiveSearcher, Publisher, open_live, open_store
from knowledge.search import Searcher
from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)
PURGE_EVERY_S = 3600


@dataclass
class Container:
    settings: ApiSettings
    metrics: Metrics
    knowledge_store: KnowledgeStore
    searcher: LiveSearcher
    publisher: Publisher
    cases: CaseStore
    vault: PiiVault
    history: History
    accounts: AccountStore
    handoffs: HandoffStore
    limits: Limits
    rasa: RasaClient
    conversations: Conversations
    web_sessions: WebSessions
    channels: ChannelRegistry
    retention: Retention
    trackers: TrackerRetention | None
    # Gap reports, kept a few minutes and computed once for concurrent requests.
    gap_reports: ReportCache[GapReport] = field(default_factory=ReportCache)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    def build(cls, settings: ApiSettings, metrics: Metrics, searcher: Searcher | None = None) -> Container:
        """Everything but the background tasks; blocking (database, model), so run it in a thread."""
        url = settings.database_url
        upgrade(url)  # the schema is Alembic's alone: the stores create nothing
        # The knowledge the office edits lives in the same database; seeded from the YAML once.
        store = open_store(settings.knowledge, shared_engine(url).execution_options(**IMMEDIATE))
        if searcher is None:
            live = open_live(settings.knowledge, store)
        else:  # a caller's searcher (tests share one), brought up to the store's knowledge below
            live = searcher if isinstance(searcher, LiveSearcher) else LiveSearcher(searcher, 0)
        publisher = Publisher(store, live, settings.knowledge)
        publisher.refresh()  # nothing to do when already current
        cases = CaseStore(url)
        vault = PiiVault(url, Cipher(load_key(settings.pii_key, settings.pii_key_file)))
        history = History(url)
        accounts = AccountStore(
            url, settings.session_hours, settings.session_idle_minutes, checks=PasswordChecks(settings.password_checks)
        )
        handoffs = HandoffStore(url, settings.handoff_hold_minutes)
        accounts.signed_out.append(handoffs.release_held_by)  # a deactivated account's conversations: back to the queue
        services.configure(services.Services(live, cases, settings.handoff_notice, vault))
        rasa = RasaClient(
            settings.rasa_url_list, settings.rasa_timeout_s, RasaToken(settings.rasa_jwt_secret), observe=metrics.rasa
        )
        limits = Limits(settings.redis_url)
        conversations = Conversations(
            rasa, history, limits, vault, handoffs, settings.max_message_chars, settings.rate_per_minute, metrics
        )
        trackers = TrackerRetention(settings.tracker_database_url) if settings.tracker_database_url else None
        days = RetentionDays(
            settings.pii_retention_days, settings.conversation_retention_days, settings.case_retention_days
        )
        web_sessions = WebSessions(url, history, _web_policy(settings))
        return cls(
            settings=settings,
            metrics=metrics,
            knowledge_store=store,
            searcher=live,
            publisher=publisher,
            cases=cases,
            vault=vault,
            history=history,
            accounts=accounts,
            handoffs=handoffs,
            limits=limits,
            rasa=rasa,
            conversations=conversations,
            web_sessions=web_sessions,
            channels=ChannelRegistry(history),
            retention=Retention(days, cases, vault, accounts, history, handoffs, web_sessions, trackers),
            trackers=trackers,
        )

    def start_background(self) -> None:
        self._tasks = [
            asyncio.create_task(_follow_publishes(self.publisher, self.settings.knowledge_refresh_s)),
            asyncio.create_task(_purge_forever(self.retention)),
        ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.rasa.close()
        await self.limits.close()
        if self.trackers is not None:
            self.trackers.close()


def _web_policy(settings: ApiSettings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=settings.web_idle_minutes),
        lifetime=timedelta(hours=settings.web_max_hours),
        recent_messages=settings.web_recent_messages,
    )


async def _purge_forever(retention: Retention) -> None:
    """Delete what is past its time, every hour; a failed round is retried the next."""
    while True:
        try:
            purged = await run_in_threadpool(retention.purge)
            log.info("retention purge: %s", purged)
        except Exception:  # the service goes on; the next hour tries again
            log.exception("retention purge failed")
        await asyncio.sleep(PURGE_EVERY_S)


async def _follow_publishes(publisher: Publisher, every_s: float) -> None:
    """Another api process may publish: pick up the store's newer knowledge within seconds."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await run_in_threadpool(publisher.refresh)
        except Exception:  # the old knowledge stays live; the next round tries again
            log.exception("knowledge refresh failed")
