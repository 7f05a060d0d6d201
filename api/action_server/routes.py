"""The action endpoint Rasa calls (rasa-sdk's webhook protocol), served by the api process.

Serving the actions here keeps one copy of the knowledge index in memory, shared with
the api's own search, so a publish of the knowledge is seen by the bot at once.
Reached on loopback only, with a token that Rasa sends as ``?token=`` (endpoints.yml).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException

from api.action_server.schemas import ActionOut, WebhookOut
from api.deps import ExecutorDep, SettingsDep
from api.errors import documented
from api.settings import ApiSettings

log = logging.getLogger(__name__)
router = APIRouter(tags=["actions"])


def build_executor() -> ActionExecutor:
    """Rasa's custom actions, served from this process at /webhook."""
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor


def _check_token(settings: ApiSettings, token: str | None) -> None:
    expected = settings.actions_token
    if not expected:
        raise HTTPException(status_code=503, detail="the action endpoint has no token configured")
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise HTTPException(status_code=401, detail="action endpoint token missing or wrong")


@router.post("/webhook", response_model=WebhookOut, responses=documented(400, 401, 404, 413, 503))
async def webhook(
    request: Request, settings: SettingsDep, executor: ExecutorDep, token: str | None = Query(default=None)
) -> Any:
    _check_token(settings, token)
    try:
        payload = await request.json()
    except ValueError:
        raise HTTPException(status_code=400, detail="body is not JSON") from None
    if not isinstance(payload, dict):
        raise HTTPException(status_code=400, detail="body must be a JSON object")
    name = payload.get("next_action")
    try:
        result = await executor.run(payload)
    except ActionExecutionRejection as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=400)
    except ActionNotFoundException as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=404)
    except ActionMissingDomainException as exc:
        return JSONResponse({"error": exc.message, "action_name": exc.action_name}, status_code=449)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("malformed action call for %s: %s", name, type(exc).__name__)
        raise HTTPException(status_code=400, detail="malformed action call") from None
    if result is None:
        raise HTTPException(status_code=400, detail="no next_action in the call")
    # The same keys as rasa-sdk's model_dump(by_alias=True); WebhookOut keeps any it does not name.
    return WebhookOut.model_validate(result.model_dump(by_alias=True))


@router.get("/actions", responses=documented(401, 503))
def list_actions(
    settings: SettingsDep, executor: ExecutorDep, token: str | None = Query(default=None)
) -> list[ActionOut]:
    _check_token(settings, token)
    return [ActionOut(name=a.name) for a in executor.list_actions()]
