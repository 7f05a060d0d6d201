"""The staff console's API: the handoff queue, conversations with their evidence, takeover and
replies into the worker's channel, wage cases, knowledge hit testing, and the Chinese names of
the codes it shows (api/labels.py).

Every route needs a signed-in staff member (or higher). Transcripts are shown as stored:
personal data was masked before it was stored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from actions.case_store import Case, CaseStore
from api.accounts import User
from api.auth import require_role
from api.channels.registry import ChannelRegistry
from api.errors import documented
from api.handoff import HandoffStore, TakenByOther
from api.history import History
from api.labels import console_labels
from knowledge.search import MAX_TOP_K

router = APIRouter(prefix="/api/console", tags=["console"])
Staff = Annotated[User, Depends(require_role("staff"))]
AUTH_ERRORS = documented(401, 403)


def _handoffs(request: Request) -> HandoffStore:
    store: HandoffStore = request.app.state.handoffs
    return store


def _history(request: Request) -> History:
    history: History = request.app.state.conversations.history
    return history


def _cases(request: Request) -> CaseStore:
    cases: CaseStore = request.app.state.cases
    return cases


@router.get("/labels", responses=AUTH_ERRORS)
async def labels(user: Staff) -> dict[str, Any]:
    """Chinese names for intents, handoff reasons, forms and channels; an unlisted code is shown as is."""
    return console_labels()


@router.get("/queue", responses=AUTH_ERRORS)
async def queue(request: Request, user: Staff) -> dict[str, Any]:
    states = await run_in_threadpool(_handoffs(request).queue)
    return {"items": [s.to_json() for s in states]}


@router.get("/conversations", responses=AUTH_ERRORS)
async def conversations(
    request: Request,
    user: Staff,
    channel: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[Literal["", "bot", "waiting", "staff"], Query()] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    topic: Annotated[str, Query(max_length=40, description="the bot's intent, e.g. ask_unpaid_wages")] = "",
) -> dict[str, Any]:
    states = await run_in_threadpool(_handoffs(request).recent, channel, status, limit, topic)
    return {"items": [s.to_json() for s in states]}


@router.get("/conversations/{conversation_id}", responses=documented(401, 403, 404))
async def conversation(request: Request, user: Staff, conversation_id: str) -> dict[str, Any]:
    state = await run_in_threadpool(_handoffs(request).get, conversation_id)
    if state is None:
        raise HTTPException(status_code=404, detail="没有这个会话")
    messages = await run_in_threadpool(_history(request).messages, conversation_id)
    return {
        **state.to_json(),
        "messages": [{**m.to_json(), "evidence": m.meta.get("evidence")} for m in messages],
    }


def _taken_conflict(exc: TakenByOther) -> HTTPException:
    return HTTPException(status_code=409, detail=f"这个会话已由 {exc.who} 接入")


@router.post("/conversations/{conversation_id}/take", responses=documented(401, 403, 404, 409))
async def take(request: Request, user: Staff, conversation_id: str) -> dict[str, Any]:
    try:
        state = await run_in_threadpool(_handoffs(request).take, conversation_id, user.username)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个会话") from None
    except TakenByOther as exc:
        raise _taken_conflict(exc) from None
    return state.to_json()


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


@router.post("/conversations/{conversation_id}/reply", responses=documented(401, 403, 404, 409))
async def reply(request: Request, user: Staff, conversation_id: str, body: ReplyIn) -> dict[str, Any]:
    state = await run_in_threadpool(_handoffs(request).get, conversation_id)
    if state is None:
        raise HTTPException(status_code=404, detail="没有这个会话")
    if state.status != "staff" or state.taken_by != user.username:
        raise HTTPException(status_code=409, detail="请先接入这个会话再回复")
    registry: ChannelRegistry = request.app.state.channels
    delivered = await registry.tell(conversation_id, body.text.strip())
    await run_in_threadpool(_handoffs(request).touch, conversation_id, state.channel, body.text.strip())
    return {"delivered": delivered}


@router.post("/conversations/{conversation_id}/release", responses=documented(401, 403, 404, 409))
async def release(request: Request, user: Staff, conversation_id: str) -> dict[str, Any]:
    try:
        state = await run_in_threadpool(_handoffs(request).release, conversation_id, user.username)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个会话") from None
    except TakenByOther as exc:
        raise _taken_conflict(exc) from None
    return state.to_json()


@router.get("/search", responses=AUTH_ERRORS)
async def search(
    request: Request,
    user: Staff,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    top_k: Annotated[int, Query(ge=1, le=MAX_TOP_K)] = 5,
) -> dict[str, Any]:
    """Hit testing: exactly the bot's search, with its scores and evidence."""
    result = await run_in_threadpool(request.app.state.searcher.search, q, top_k)
    data: dict[str, Any] = result.to_json()
    return data


def _case_json(case: Case) -> dict[str, Any]:
    return {
        "case_number": case.case_number,
        "status": case.status,
        "status_label": case.status_label,
        "status_note": case.status_note,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "details": case.details,
    }


@router.get("/cases", responses=AUTH_ERRORS)
async def cases(
    request: Request,
    user: Staff,
    status: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> dict[str, Any]:
    found = await run_in_threadpool(_cases(request).find, status, q)
    return {"items": [_case_json(c) for c in found]}


@router.get("/cases/{case_number}", responses=documented(401, 403, 404))
async def case(request: Request, user: Staff, case_number: str) -> dict[str, Any]:
    found = await run_in_threadpool(_cases(request).get, case_number)
    if found is None:
        raise HTTPException(status_code=404, detail="没有这个案件")
    return _case_json(found)


class StatusIn(BaseModel):
    status: Literal["received", "processing", "closed"]
    note: str = Field(default="", max_length=500)


@router.post("/cases/{case_number}/status", responses=documented(401, 403, 404))
async def set_status(request: Request, user: Staff, case_number: str, body: StatusIn) -> dict[str, Any]:
    try:
        updated = await run_in_threadpool(_cases(request).set_status, case_number, body.status, body.note)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个案件") from None
    return _case_json(updated)
