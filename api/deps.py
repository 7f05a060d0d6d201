"""Typed dependencies: what a route may ask for, by type.

Every route takes its stores and clients from here, never from ``app.state``; a test
replaces any of them with ``app.dependency_overrides[get_x] = …``. The settings and the
metrics exist from ``create_app`` on; the rest from the lifespan's ``Container`` on, and a
request that comes before it is ready gets a 503 instead of a crash.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from rasa_sdk.executor import ActionExecutor

from api.cases.store import CaseStore
from api.channels.registry import ChannelRegistry
from api.container import Container
from api.conversations.history import History
from api.conversations.limits import Limits
from api.conversations.turn import Conversations
from api.conversations.web_sessions import WebSessions
from api.handoff.store import HandoffStore
from api.ops.metrics import Metrics
from api.quality.cache import ReportCache
from api.quality.schemas import GapReport
from api.settings import ApiSettings
from api.staff.accounts import AccountStore
from knowledge.publish import LiveSearcher, Publisher
from knowledge.store import KnowledgeStore


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_executor(request: Request) -> ActionExecutor:
    executor: ActionExecutor = request.app.state.executor
    return executor


def get_container(request: Request) -> Container:
    container: Container | None = getattr(request.app.state, "container", None)
    if container is None:
        raise HTTPException(status_code=503, detail="正在启动，请稍后再试")
    return container


def get_starting_container(request: Request) -> Container | None:
    """The container, or None while the app is still starting (for the health checks)."""
    container: Container | None = getattr(request.app.state, "container", None)
    return container


ContainerDep = Annotated[Container, Depends(get_container)]
StartingContainerDep = Annotated[Container | None, Depends(get_starting_container)]


def get_searcher(container: ContainerDep) -> LiveSearcher:
    return container.searcher


def get_publisher(container: ContainerDep) -> Publisher:
    return container.publisher


def get_knowledge_store(container: ContainerDep) -> KnowledgeStore:
    return container.knowledge_store


def get_cases(container: ContainerDep) -> CaseStore:
    return container.cases


def get_history(container: ContainerDep) -> History:
    return container.history


def get_accounts(container: ContainerDep) -> AccountStore:
    return container.accounts


def get_handoffs(container: ContainerDep) -> HandoffStore:
    return container.handoffs


def get_channels(container: ContainerDep) -> ChannelRegistry:
    return container.channels


def get_conversations(container: ContainerDep) -> Conversations:
    return container.conversations


def get_limits(container: ContainerDep) -> Limits:
    return container.limits


def get_gap_reports(container: ContainerDep) -> ReportCache[GapReport]:
    return container.gap_reports


def get_web_sessions(container: ContainerDep) -> WebSessions:
    return container.web_sessions


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ExecutorDep = Annotated[ActionExecutor, Depends(get_executor)]
SearcherDep = Annotated[LiveSearcher, Depends(get_searcher)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]
KnowledgeStoreDep = Annotated[KnowledgeStore, Depends(get_knowledge_store)]
CasesDep = Annotated[CaseStore, Depends(get_cases)]
HistoryDep = Annotated[History, Depends(get_history)]
AccountsDep = Annotated[AccountStore, Depends(get_accounts)]
HandoffsDep = Annotated[HandoffStore, Depends(get_handoffs)]
ChannelsDep = Annotated[ChannelRegistry, Depends(get_channels)]
ConversationsDep = Annotated[Conversations, Depends(get_conversations)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
WebSessionsDep = Annotated[WebSessions, Depends(get_web_sessions)]
GapReportsDep = Annotated[ReportCache[GapReport], Depends(get_gap_reports)]
