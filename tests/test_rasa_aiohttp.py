"""Rasa's aiohttp stays contained (issue 14, item 16).

Rasa 3.6.21 requires ``aiohttp>=3.9.0,<3.10``, and 3.9.5 (the lock's) is the last 3.9
release, so the advisories fixed in 3.10 and later cannot be taken without leaving Rasa
3.6. Nearly all of them are in aiohttp's *server* (aiohttp.web: static files, multipart
forms, Range and Cookie headers, chunked bodies, the pure-Python request parser); Rasa
serves HTTP with Sanic and uses aiohttp only as a *client*, for its action endpoint —
our own api. These tests hold the conditions that keep it so: Rasa opens no channel but
the signed REST one, calls out to nothing but the api's action webhook, never runs the
pure-Python parser, and stays at the ceiling Rasa allows (so that a Rasa upgrade, which
lifts it, is noticed here). That only the api can reach Rasa, and only with a JWT, is held
by tests/test_deploy.py (test_only_the_load_balancer_publishes_a_port,
test_only_api_pods_may_reach_rasa, test_rasa_runs_the_scaled_endpoints_with_a_jwt_secret).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements-rasa.lock"
# Keys of endpoints.yml that make Rasa fetch from or post to a URL (with aiohttp, or a broker).
CALLING_OUT = {"models", "nlg", "event_broker", "action_endpoint", "nlu"}


def pinned(package: str) -> tuple[int, ...]:
    found = re.search(rf"^{re.escape(package)}==([0-9.]+)", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, f"{package} is not pinned in {LOCK.name}"
    return tuple(int(part) for part in found.group(1).split("."))


def test_rasa_opens_only_the_signed_rest_channel() -> None:
    # rasa_chat, socketio, the console channel and the plain REST channel are not served.
    channels = yaml.safe_load((ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8"))
    assert list(channels) == ["bot.channels.signed_rest.SignedRestInput"]


def test_rasa_calls_out_only_to_the_api_action_webhook() -> None:
    for name in ("endpoints.yml", "endpoints.scaled.yml"):
        endpoints = yaml.safe_load((ROOT / "bot" / name).read_text(encoding="utf-8"))
        assert set(endpoints) & CALLING_OUT == {"action_endpoint"}, name  # no model server, NLG, broker
        assert endpoints["action_endpoint"]["url"] == "${RASA_ACTION_ENDPOINT}"
        assert endpoints["action_endpoint"]["token"] == "${API_ACTIONS_TOKEN}"


def test_nothing_switches_aiohttp_to_its_pure_python_parser() -> None:
    # The request-smuggling advisories (e.g. GHSA-8495-4g3g-x7pr, GHSA-9548-qrrj-x5pj) need it.
    places = [ROOT / "Makefile", *sorted((ROOT / "deploy").rglob("*")), *sorted((ROOT / "bot").glob("*.yml"))]
    for path in places:
        if path.is_file() and path.suffix not in {".pyc"}:
            assert "AIOHTTP_NO_EXTENSIONS" not in path.read_text(encoding="utf-8", errors="ignore"), path


def test_aiohttp_is_at_the_ceiling_rasa_allows() -> None:
    # Rasa 3.6.21 declares aiohttp>=3.9.0,<3.10; 3.9.5 is the last 3.9 release. A new Rasa
    # lifts the ceiling: then move aiohttp on (make lock LOCK_ARGS='--upgrade-package aiohttp').
    assert pinned("rasa")[:2] == (3, 6)
    assert pinned("aiohttp") == (3, 9, 5)
