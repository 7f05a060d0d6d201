"""Knowledge search and items over HTTP: the same search the bot and the console use."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, Field

from api.address_limits import per_address
from api.deps import SearcherDep, SettingsDep
from api.errors import documented
from api.knowledge_admin.schemas import ItemOut, SearchOut, TopicCandidate, TopicOut
from api.settings import ApiSettings
from knowledge.loader import item_json
from knowledge.nlu_export import intent_for
from knowledge.publish import LiveSearcher
from knowledge.search import MAX_TOP_K

router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])


class SearchRequest(BaseModel):
    text: str = Field(description="the worker's question, as typed")
    top_k: int = Field(default=3, ge=1, le=MAX_TOP_K)


def _search(searcher: LiveSearcher, settings: ApiSettings, text: str, top_k: int) -> SearchOut:
    limit = settings.max_question_chars
    if len(text) > limit:
        raise HTTPException(status_code=400, detail=f"问题太长了（最多 {limit} 字），请说得简短一些")
    return SearchOut.model_validate(searcher.search(text, top_k=top_k).to_json())


@router.post(
    "/search",
    responses=documented(400, 413, 429, 503),
    dependencies=[per_address("search", "search_per_address_per_minute")],
)
def search(searcher: SearcherDep, settings: SettingsDep, body: SearchRequest) -> SearchOut:
    """POST only: a question in a URL would end up in access logs and browser histories."""
    return _search(searcher, settings, body.text, body.top_k)


class TopicRequest(BaseModel):
    text: str = Field(description="the worker's message")


def rasa_only(settings: SettingsDep, x_actions_token: Annotated[str | None, Header()] = None) -> None:
    """Only Rasa asks for topics: it sends the actions' token (API_ACTIONS_TOKEN), as for /webhook."""
    expected = settings.actions_token
    if not expected:
        raise HTTPException(status_code=503, detail="the topic endpoint has no token configured")
    if not x_actions_token or not hmac.compare_digest(x_actions_token.encode(), expected.encode()):
        raise HTTPException(status_code=401, detail="actions token missing or wrong")


@router.post("/topic", responses=documented(401, 413, 503), dependencies=[Depends(rasa_only)])
def topic(live: SearcherDep, settings: SettingsDep, body: TopicRequest) -> TopicOut:
    """The bot's intent for a message by knowledge search: Rasa's KnowledgeIntentClassifier asks here.

    POST, so that the worker's words never appear in a URL or an access log. Not for the public:
    it runs the model for every call, so it needs the token Rasa has (X-Actions-Token).
    """
    limit = settings.max_question_chars
    # One version of the knowledge for the whole request, even if a publish swaps it meanwhile.
    searcher = live.current()
    result = searcher.search(body.text[:limit], top_k=3)
    hit = result.hits[0] if result.hits else None
    return TopicOut(
        in_scope=result.in_scope,
        confidence=round(result.confidence, 4),
        items=hit.items if hit else [],
        intent=intent_for(hit, searcher.kb) if hit else None,
        candidates=[
            TopicCandidate(intent=intent_for(h, searcher.kb), score=round(h.score, 4), items=h.items)
            for h in result.hits
        ],
    )


@router.get("/items/{number}", responses=documented(404, 503))
def item(searcher: SearcherDep, number: int) -> ItemOut:
    kb = searcher.kb
    try:
        return ItemOut.model_validate(item_json(kb, number))
    except KeyError:
        raise HTTPException(status_code=404, detail=f"没有第 {number} 项") from None
