"""Rasa's REST channel, answering only requests signed by the api.

Rasa's own ``--jwt-secret`` guards its HTTP API (trackers, model) but not the
channel webhooks, so without this anyone who reaches the port could talk as any
worker. Every POST must carry ``Authorization: Bearer <JWT>`` signed with
RASA_JWT_SECRET (HS256, with an expiry): the same secret and token the api uses
for Rasa's HTTP API.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

ALGORITHM = "HS256"


class SignedRestInput(RestInput):
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the signed channel needs RASA_JWT_SECRET (or jwt_secret in credentials.yml)")
        self.secret = secret

    @classmethod
    def name(cls) -> str:
        return "signed"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SignedRestInput:
        secret = (credentials or {}).get("jwt_secret") or os.environ.get("RASA_JWT_SECRET", "")
        return cls(str(secret))

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        try:
            jwt.decode(token, self.secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
        except jwt.PyJWTError:
            return False
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")  # type: ignore[misc]
        async def require_signature(request: Request) -> HTTPResponse | None:
            # GET / stays open: it is the channel's health check and says nothing.
            if request.method != "GET" and not self.authorised(request):
                return response.json({"error": "a signed bearer token is required"}, status=401)
            return None

        return webhook
