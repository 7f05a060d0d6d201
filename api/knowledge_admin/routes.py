"""Knowledge administration for the office's editors: drafts, publish, history, diff, rollback, audit.

A change is a draft until published; publishing re-indexes in about a second and swaps
the live searcher the bot uses, without retraining Rasa. Every route needs an editor
(or an admin); a stale edit is refused with 409, never silently lost.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from api.deps import KnowledgeStoreDep, PublisherDep
from api.errors import documented
from api.knowledge_admin.schemas import (
    AuditList,
    AuditRecord,
    ChangedEntry,
    DiffOut,
    EntryList,
    EntryOut,
    EntrySummary,
    PublishConflictOut,
    PublishOut,
    StaleDraftOut,
    VersionHistory,
    VersionOut,
)
from api.staff.auth import EditorUser
from knowledge.entries import InvalidEdit
from knowledge.publish import PublishReport
from knowledge.store import EntryState, PublishConflict, StaleEdit, Version

router = APIRouter(prefix="/api/admin", tags=["admin"])
EDIT_ERRORS = documented(400, 401, 403, 409, 415)
Kind = Literal["", "document", "item", "questions", "answer"]


def _version(v: Version) -> VersionOut:
    return VersionOut(
        key=v.key,
        version=v.version,
        content=v.content,
        retired=v.retired,
        author=v.author,
        created_at=v.created_at.isoformat(),
        note=v.note,
        effective_date=v.effective_date.isoformat() if v.effective_date else None,
        published_at=v.published_at.isoformat() if v.published_at else None,
        published_by=v.published_by,
    )


def _summary(e: EntryState) -> EntrySummary:
    shown = e.published or e.latest
    content = shown.content or {}
    questions = content.get("questions") or [""]
    return EntrySummary(
        key=e.key,
        kind=e.kind,
        title=str(content.get("title") or questions[0]),
        published_version=e.published_version,
        latest_version=e.latest_version,
        has_draft=e.draft is not None,
        retired=bool(e.published and e.published.retired),
        effective_date=shown.effective_date.isoformat() if shown.effective_date else None,
    )


def _entry(e: EntryState) -> EntryOut:
    return EntryOut(
        key=e.key,
        kind=e.kind,
        latest_version=e.latest_version,
        published_version=e.published_version,
        published=_version(e.published) if e.published else None,
        draft=_version(e.draft) if e.draft else None,
    )


def _report(r: PublishReport) -> PublishOut:
    return PublishOut(
        published=list(r.published),
        revision=r.revision,
        content_hash=r.content_hash,
        swapped=r.swapped,
        units=r.units,
        encoded=r.encoded,
        seconds={k: round(v, 3) for k, v in r.seconds.items()},
    )


async def _guarded(work: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a store call off the event loop; its refusals become 400 / 409 with the store's sentence."""
    try:
        return await run_in_threadpool(work, *args, **kwargs)
    except StaleEdit as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except InvalidEdit as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/entries", responses=documented(401, 403))
async def entries(user: EditorUser, store: KnowledgeStoreDep, kind: Annotated[Kind, Query()] = "") -> EntryList:
    found = await run_in_threadpool(store.entries, kind or None)
    return EntryList(items=[_summary(e) for e in found])


@router.get("/drafts", responses=documented(401, 403))
async def drafts(user: EditorUser, store: KnowledgeStoreDep) -> EntryList:
    return EntryList(items=[_summary(e) for e in await run_in_threadpool(store.drafts)])


@router.get("/entries/{key}", responses=documented(400, 401, 403))
async def entry(user: EditorUser, store: KnowledgeStoreDep, key: str) -> EntryOut:
    return _entry(await _guarded(store.entry, key))


class DraftIn(BaseModel):
    content: dict[str, Any]
    base_version: int = Field(ge=0)
    note: str = Field(default="", max_length=500)
    effective_date: date | None = None


@router.put(
    "/entries/{key}/draft",
    response_model=EntryOut,
    responses={
        **EDIT_ERRORS,
        409: {"model": StaleDraftOut, "description": "someone saved a newer version first: here is its number"},
    },
)
async def save_draft(user: EditorUser, store: KnowledgeStoreDep, key: str, body: DraftIn) -> Any:
    store = store
    try:
        await run_in_threadpool(
            store.save_draft,
            key,
            body.content,
            user.username,
            body.base_version,
            note=body.note,
            effective_date=body.effective_date,
        )
    except StaleEdit as exc:
        latest = exc.latest if exc.latest is not None else (await run_in_threadpool(store.entry, key)).latest_version
        return JSONResponse(StaleDraftOut(detail=str(exc), latest_version=latest).model_dump(), status_code=409)
    except InvalidEdit as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return _entry(await run_in_threadpool(store.entry, key))


class RetireIn(BaseModel):
    base_version: int = Field(ge=1)
    note: str = Field(default="", max_length=500)


@router.post("/entries/{key}/retire", responses=EDIT_ERRORS)
async def retire(user: EditorUser, store: KnowledgeStoreDep, key: str, body: RetireIn) -> EntryOut:
    store = store
    await _guarded(store.retire, key, user.username, body.base_version, note=body.note)
    return _entry(await run_in_threadpool(store.entry, key))


EntryKey = Annotated[str, StringConstraints(min_length=1, max_length=80)]
ReviewedVersion = Annotated[int, Field(ge=1)]


class PublishIn(BaseModel):
    # The versions the reviewer saw: a draft saved after the review is not published with them.
    versions: dict[EntryKey, ReviewedVersion] = Field(
        min_length=1, max_length=1000, description="{entry key: the draft version reviewed}"
    )
    note: str = Field(default="", max_length=500)


@router.post(
    "/publish",
    response_model=PublishOut,
    responses={
        **EDIT_ERRORS,
        409: {"model": PublishConflictOut, "description": "an entry changed after the review: nothing published"},
    },
)
async def publish(user: EditorUser, publisher: PublisherDep, body: PublishIn) -> PublishOut | JSONResponse:
    try:
        report = await run_in_threadpool(
            publisher.publish, author=user.username, note=body.note, reviewed=body.versions
        )
    except PublishConflict as exc:
        changed = [
            ChangedEntry(
                key=c.key,
                reviewed_version=c.reviewed_version,
                latest_version=c.latest_version,
                published_version=c.published_version,
            )
            for c in exc.changed
        ]
        return JSONResponse(PublishConflictOut(detail=str(exc), changed=changed).model_dump(), status_code=409)
    except StaleEdit as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except InvalidEdit as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return _report(report)


@router.get("/entries/{key}/history", responses=documented(400, 401, 403))
async def history(user: EditorUser, store: KnowledgeStoreDep, key: str) -> VersionHistory:
    versions = await _guarded(store.history, key)
    return VersionHistory(versions=[_version(v) for v in reversed(versions)])


@router.get("/entries/{key}/diff", responses=documented(400, 401, 403))
async def diff(
    user: EditorUser, store: KnowledgeStoreDep, key: str, a: Annotated[int, Query(ge=1)], b: Annotated[int, Query(ge=1)]
) -> DiffOut:
    return DiffOut(diff=await _guarded(store.diff, key, a, b))


class RollbackIn(BaseModel):
    to_version: int = Field(ge=1)
    note: str = Field(default="", max_length=500)


@router.post("/entries/{key}/rollback", responses=EDIT_ERRORS)
async def rollback(user: EditorUser, publisher: PublisherDep, key: str, body: RollbackIn) -> PublishOut:
    report = await _guarded(publisher.rollback, key, body.to_version, author=user.username, note=body.note)
    return _report(report)


@router.get("/audit", responses=documented(401, 403))
async def audit(
    user: EditorUser, store: KnowledgeStoreDep, key: Annotated[str, Query(max_length=80)] = ""
) -> AuditList:
    rows = await run_in_threadpool(store.audit, key or None)
    return AuditList(
        items=[
            AuditRecord(
                id=r.id,
                at=r.at.isoformat(),
                actor=r.actor,
                action=r.action,
                key=r.key,
                version=r.version,
                note=r.note,
            )
            for r in rows
        ]
    )
