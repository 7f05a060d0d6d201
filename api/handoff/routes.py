"""The staff console's API: the handoff queue, conversations with their evidence, takeover and
replies into the worker's channel, wage cases, knowledge hit testing, and the Chinese names of
the codes it shows (api/handoff/labels.py).

Every route needs a signed-in staff member (or higher). Transcripts are shown as stored:
personal data was masked before it was stored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.cases.store import Case
from api.channels.registry import ChannelRegistry
from api.deps import CasesDep, ChannelsDep, HandoffsDep, HistoryDep, SearcherDep
from api.errors import documented
from api.handoff.labels import console_labels
from api.handoff.schemas import (
    CaseList,
    CaseOut,
    ConversationList,
    ConversationOut,
    ConversationState,
    LabelsOut,
    QueueOut,
    ReplySent,
)
from api.handoff.store import QUEUE_PAGE, TakenByOther
from api.knowledge_admin.schemas import SearchOut
from api.staff.auth import StaffUser
from knowledge.search import MAX_TOP_K

router = APIRouter(prefix="/api/console", tags=["console"])
AUTH_ERRORS = documented(401, 403)


@router.get("/labels", responses=AUTH_ERRORS)
async def labels(user: StaffUser) -> LabelsOut:
    """Chinese names for intents, handoff reasons, forms and channels; an unlisted code is shown as is."""
    return LabelsOut.model_validate(console_labels())


@router.get("/queue", responses=AUTH_ERRORS)
async def queue(
    user: StaffUser,
    handoffs: HandoffsDep,
    limit: Annotated[int, Query(ge=1, le=200)] = QUEUE_PAGE,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,  # bounded: SQLite integers are 64-bit
) -> QueueOut:
    """A page of the queue, oldest request first, with the whole queue's counts."""
    page = await run_in_threadpool(handoffs.queue, limit, offset)
    return QueueOut.model_validate(
        {
            "items": [s.to_json() for s in page.items],
            "total": page.total,
            "waiting": page.waiting,
            "limit": limit,
            "offset": offset,
        }
    )


@router.get("/conversations", responses=AUTH_ERRORS)
async def conversations(
    user: StaffUser,
    handoffs: HandoffsDep,
    channel: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[Literal["", "bot", "waiting", "staff"], Query()] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    topic: Annotated[str, Query(max_length=40, description="the bot's intent, e.g. ask_unpaid_wages")] = "",
) -> ConversationList:
    states = await run_in_threadpool(handoffs.recent, channel, status, limit, topic)
    return ConversationList.model_validate({"items": [s.to_json() for s in states]})


@router.get("/conversations/{conversation_id}", responses=documented(401, 403, 404))
async def conversation(
    user: StaffUser, handoffs: HandoffsDep, history: HistoryDep, conversation_id: str
) -> ConversationOut:
    state = await run_in_threadpool(handoffs.get, conversation_id)
    if state is None:
        raise HTTPException(status_code=404, detail="没有这个会话")
    messages = await run_in_threadpool(history.messages, conversation_id)
    return ConversationOut.model_validate(
        {
            **state.to_json(),
            "messages": [{**m.to_json(), "evidence": m.meta.get("evidence")} for m in messages],
        }
    )


def _taken_conflict(exc: TakenByOther) -> HTTPException:
    return HTTPException(status_code=409, detail=f"这个会话已由 {exc.who} 接入")


@router.post("/conversations/{conversation_id}/take", responses=documented(401, 403, 404, 409))
async def take(user: StaffUser, handoffs: HandoffsDep, conversation_id: str) -> ConversationState:
    try:
        state = await run_in_threadpool(handoffs.take, conversation_id, user.username)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个会话") from None
    except TakenByOther as exc:
        raise _taken_conflict(exc) from None
    return ConversationState.model_validate(state.to_json())


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


@router.post("/conversations/{conversation_id}/reply", responses=documented(401, 403, 404, 409))
async def reply(
    user: StaffUser, handoffs: HandoffsDep, channels: ChannelsDep, conversation_id: str, body: ReplyIn
) -> ReplySent:
    state = await run_in_threadpool(handoffs.get, conversation_id)
    if state is None:
        raise HTTPException(status_code=404, detail="没有这个会话")
    if state.status != "staff" or state.taken_by != user.username:
        raise HTTPException(status_code=409, detail="请先接入这个会话再回复")
    registry: ChannelRegistry = channels
    delivered = await registry.tell(conversation_id, body.text.strip())
    await run_in_threadpool(handoffs.touch, conversation_id, state.channel, body.text.strip())
    return ReplySent(delivered=delivered)


@router.post("/conversations/{conversation_id}/release", responses=documented(401, 403, 404, 409))
async def release(user: StaffUser, handoffs: HandoffsDep, conversation_id: str) -> ConversationState:
    try:
        state = await run_in_threadpool(handoffs.release, conversation_id, user.username)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个会话") from None
    except TakenByOther as exc:
        raise _taken_conflict(exc) from None
    return ConversationState.model_validate(state.to_json())


class HitTestIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000, description="the question to test")
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)


@router.post("/search", responses=documented(401, 403, 415))
async def search(user: StaffUser, searcher: SearcherDep, body: HitTestIn) -> SearchOut:
    """Hit testing: exactly the bot's search, with its scores and evidence.

    POST with a JSON body: the question never appears in a URL or an access log.
    """
    result = await run_in_threadpool(searcher.search, body.text, body.top_k)
    return SearchOut.model_validate(result.to_json())


def _case_out(case: Case) -> CaseOut:
    return CaseOut(
        case_number=case.case_number,
        status=case.status,
        status_label=case.status_label,
        status_note=case.status_note,
        created_at=case.created_at.isoformat(),
        updated_at=case.updated_at.isoformat(),
        details=case.details,
    )


@router.get("/cases", responses=AUTH_ERRORS)
async def cases(
    user: StaffUser,
    cases: CasesDep,
    status: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> CaseList:
    found = await run_in_threadpool(cases.find, status, q)
    return CaseList(items=[_case_out(c) for c in found])


@router.get("/cases/{case_number}", responses=documented(401, 403, 404))
async def case(user: StaffUser, cases: CasesDep, case_number: str) -> CaseOut:
    found = await run_in_threadpool(cases.get, case_number)
    if found is None:
        raise HTTPException(status_code=404, detail="没有这个案件")
    return _case_out(found)


class StatusIn(BaseModel):
    status: Literal["received", "processing", "closed"]
    note: str = Field(default="", max_length=500)


@router.post("/cases/{case_number}/status", responses=documented(401, 403, 404))
async def set_status(user: StaffUser, cases: CasesDep, case_number: str, body: StatusIn) -> CaseOut:
    try:
        updated = await run_in_threadpool(cases.set_status, case_number, body.status, body.note)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个案件") from None
    return _case_out(updated)
