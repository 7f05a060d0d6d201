"""What the quality routes answer (api/quality/routes.py): the gap report and the daily figures."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GapOut(BaseModel):
    """Unanswered (or unsurely answered) questions that mean the same, grouped."""

    question: str = Field(description="the most recent wording")
    count: int
    low_confidence: int = Field(description="of which answered, but unsurely")
    examples: list[str]
    last_at: str
    new_answer_url: str = Field(description="the admin's new-answer form with this question filled in")


class GapReport(BaseModel):
    days: int
    items: list[GapOut]
    questions: int = Field(description="how many unanswered questions were grouped")
    capped: bool = Field(description="true when older unanswered questions were left out (only the newest count)")
    max_questions: int = Field(description="the most questions one report groups (API_GAPS_MAX_QUESTIONS)")
    computed_at: str = Field(description="when the report was computed (it is kept for a few minutes)")


class DayFigures(BaseModel):
    day: str
    messages: int
    by_channel: dict[str, int]
    by_topic: dict[str, int]
    fallback_rate: float | None = Field(description="None on a day without questions")
    handoff_rate: float | None
    satisfaction: float | None = Field(description="the share of 👍 among the day's ratings")
    ratings: int


class FiguresOut(BaseModel):
    days: int
    daily: list[DayFigures]
