"""Short-lived JWTs for Rasa: its HTTP API (``--jwt-secret``) and the signed REST channel.

One token serves both; it is renewed a minute before it expires so a request never
carries an expired one.
"""

from __future__ import annotations

import time

import jwt

ALGORITHM = "HS256"
LIFETIME_S = 300
RENEW_BEFORE_S = 60


def mint(secret: str, lifetime_s: int = LIFETIME_S, now: float | None = None) -> str:
    """A token Rasa accepts as an admin (its HTTP API checks the role) and the channel accepts."""
    issued = int(time.time() if now is None else now)
    claims = {"user": {"username": "api", "role": "admin"}, "iat": issued, "exp": issued + lifetime_s}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class RasaToken:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("API_RASA_JWT_SECRET is empty: Rasa refuses unsigned requests")
        self.secret = secret
        self._token = ""
        self._expires = 0.0

    def header(self) -> dict[str, str]:
        now = time.time()
        if now > self._expires - RENEW_BEFORE_S:
            self._token = mint(self.secret, now=now)
            self._expires = now + LIFETIME_S
        return {"Authorization": f"Bearer {self._token}"}
