"""The quality loop for staff and editors: gaps (unanswered questions, grouped) and the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from api.deps import GapReportsDep, HistoryDep, SearcherDep, SettingsDep
from api.errors import documented
from api.quality.charts import line_chart
from api.quality.figures import daily_figures, exchanges, gaps, newest_gaps, newest_message
from api.quality.schemas import DayFigures, FiguresOut, GapOut, GapReport
from api.staff.auth import StaffUser

router = APIRouter(prefix="/api/console/quality", tags=["quality"])
Days = Annotated[int, Query(ge=1, le=365)]
METRICS = {
    "messages": ("每天的消息数", False),
    "fallback_rate": ("答不上来的比例", True),
    "handoff_rate": ("转人工的比例", True),
    "satisfaction": ("满意度（👍 占比）", True),
}


def _since(days: int) -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)


@router.get("/gaps", responses=documented(401, 403))
async def gap_report(
    user: StaffUser,
    history: HistoryDep,
    searcher: SearcherDep,
    settings: SettingsDep,
    reports: GapReportsDep,
    days: Days = 30,
) -> GapReport:
    since = _since(days)
    limit = settings.gaps_max_questions

    def encode(texts: list[str]) -> np.ndarray:
        vectors: np.ndarray = searcher.embedder.queries(texts)
        return vectors

    def report() -> GapReport:
        questions, capped = newest_gaps(history, since, limit)
        items = [
            GapOut(
                question=g.question,
                count=g.count,
                low_confidence=g.low_confidence,
                examples=g.examples,
                last_at=g.last_at,
                # The shortcut: the admin's new-answer form with this question filled in.
                new_answer_url="/console/admin/answers/new?question=" + quote(g.question),
            )
            for g in gaps(questions, encode)
        ]
        return GapReport(
            days=days,
            items=items,
            questions=len(questions),
            capped=capped,
            max_questions=limit,
            computed_at=datetime.now(UTC).isoformat(),
        )

    def cached() -> GapReport:
        # Everything the report depends on: a new message or a publish is a new key.
        key = (since.date(), searcher.revision, newest_message(history), limit)
        return reports.get(key, report)

    return await run_in_threadpool(cached)


@router.get("/figures", responses=documented(401, 403))
async def figures(user: StaffUser, history: HistoryDep, days: Days = 30) -> FiguresOut:
    since = _since(days)
    daily = await run_in_threadpool(lambda: daily_figures(history, exchanges(history, since), since))
    return FiguresOut(days=days, daily=[DayFigures.model_validate(d) for d in daily])


@router.get(
    "/chart/{metric}.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **documented(401, 403)},
)
async def chart(
    user: StaffUser,
    history: HistoryDep,
    metric: Literal["messages", "fallback_rate", "handoff_rate", "satisfaction"],
    days: Days = 30,
) -> Response:
    since = _since(days)
    daily = await run_in_threadpool(lambda: daily_figures(history, exchanges(history, since), since))
    title, ratio = METRICS[metric]
    svg = line_chart(title, [(d["day"], d[metric]) for d in daily], ratio=ratio)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
