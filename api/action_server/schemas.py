"""What the action endpoint answers (api/action_server/routes.py): rasa-sdk's own payloads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WebhookOut(BaseModel):
    """rasa-sdk's ActionExecutorRunResult, dumped by alias: Rasa's events and the bot's responses.

    Loose on purpose: the events and responses are rasa-sdk's to define, and a key a later
    rasa-sdk adds is passed on as it is.
    """

    model_config = ConfigDict(extra="allow")

    events: list[dict[str, Any]] = Field(description="Rasa tracker events, e.g. slot and followup events")
    responses: list[dict[str, Any]] = Field(description="what the action utters, as dispatcher messages")


class ActionOut(BaseModel):
    """One custom action this endpoint serves."""

    name: str
