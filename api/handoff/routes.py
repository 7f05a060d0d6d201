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

from api.address_limits import refusal
from api.cases.store import Case
from api.channels.registry import ChannelRegistry
from api.deps import (
    AccountsDep,
    CasesDep,
    ChannelsDep,
    ContainerDep,
    HandoffsDep,
    HistoryDep,
    LimitsDep,
    SearcherDep,
    SettingsDep,
    WebSessionsDep,
)
from api.errors import documented
from api.handoff.labels import console_labels
from api.handoff.schemas import (
    CaseList,
    CaseOut,
    ContactOut,
    ConversationList,
    ConversationOut,
    ConversationState,
    LabelsOut,
    QueueOut,
    ReplySent,
)
from api.handoff.store import QUEUE_PAGE, TakenByOther
from api.knowledge_admin.schemas import SearchOut
from api.staff.accounts import User, has_role
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


class TakeoverIn(BaseModel):
    force: bool = Field(
        default=False, description="强制接入/释放: an admin takes or releases a conversation another person has"
    )


def _forced(user: User, body: TakeoverIn | None) -> bool:
    """Only an admin may force (a colleague who went home must not keep the worker waiting)."""
    if body is None or not body.force:
        return False
    if not has_role(user.role, "admin"):
        raise HTTPException(status_code=403, detail="只有管理员可以强制接入或释放")
    return True


@router.post("/conversations/{conversation_id}/take", responses=documented(401, 403, 404, 409))
async def take(
    user: StaffUser, handoffs: HandoffsDep, conversation_id: str, body: TakeoverIn | None = None
) -> ConversationState:
    force = _forced(user, body)
    try:
        state = await run_in_threadpool(handoffs.take, conversation_id, user.username, force)
    except KeyError:
        raise HTTPException(status_code=404, detail="没有这个会话") from None
    except TakenByOther as exc:
        raise _taken_conflict(exc) from None
    return ConversationState.model_validate(state.to_json())


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


ENDED_BY_WORKER = "工友已经结束了这次对话，回复发不过去了"


@router.post("/conversations/{conversation_id}/reply", responses=documented(401, 403, 404, 409))
async def reply(
    user: StaffUser,
    handoffs: HandoffsDep,
    channels: ChannelsDep,
    web_sessions: WebSessionsDep,
    conversation_id: str,
    body: ReplyIn,
) -> ReplySent:
    state = await run_in_threadpool(handoffs.get, conversation_id)
    if state is None:
        raise HTTPException(status_code=404, detail="没有这个会话")
    # A web conversation that is over (结束对话, or gone quiet) is never shown again: nobody would read it.
    if state.channel == "web" and await run_in_threadpool(web_sessions.is_over, conversation_id):
        await run_in_threadpool(handoffs.close, conversation_id)
        raise HTTPException(status_code=409, detail=ENDED_BY_WORKER)
    if state.status != "staff" or state.taken_by != user.username:
        raise HTTPException(status_code=409, detail="请先接入这个会话再回复")
    registry: ChannelRegistry = channels
    delivered = await registry.tell(conversation_id, body.text.strip())
    await run_in_threadpool(handoffs.touch, conversation_id, state.channel, body.text.strip(), "", True)
    return ReplySent(delivered=delivered)


@router.post("/conversations/{conversation_id}/release", responses=documented(401, 403, 404, 409))
async def release(
    user: StaffUser, handoffs: HandoffsDep, conversation_id: str, body: TakeoverIn | None = None
) -> ConversationState:
    force = _forced(user, body)
    try:
        state = await run_in_threadpool(handoffs.release, conversation_id, user.username, force)
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


CONTACT_LIMITED = "查看电话太频繁了，请过一分钟再试"


@router.post("/cases/{case_number}/contact", responses=documented(401, 403, 404, 415, 429))
async def contact(
    user: StaffUser,
    cases: CasesDep,
    accounts: AccountsDep,
    limits: LimitsDep,
    settings: SettingsDep,
    container: ContainerDep,
    case_number: str,
) -> ContactOut:
    """显示电话: the worker's phone in clear, to call them back. Each view is in the staff audit
    (who, which case, when; never the number) and limited per staff member; never cached."""
    if not await limits.allow(f"contact-views:{user.username}", settings.contact_views_per_minute):
        raise refusal(CONTACT_LIMITED)  # a minute's window: the seconds left in it
    phone = await run_in_threadpool(cases.contact, case_number, container.vault.cipher)
    if phone is None:
        raise HTTPException(status_code=404, detail="这个案件没有留电话，或电话已过保存期限被删除")
    await run_in_threadpool(accounts.record, user.username, "view_contact", f"查看案件 {case_number.upper()} 的电话")
    return ContactOut(case_number=case_number.upper(), phone=phone)
