"""The api for tests that need the app but not the embedding model (``uvicorn --factory``).

    uvicorn --factory tests.support.app:create_standin_app

The whole app as ``make run`` starts it, settings from the environment, except that the
searcher runs on the stand-in embedder (tests/support/embedder.py).
"""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app
from tests.support.embedder import standin_searcher


def create_standin_app() -> FastAPI:
    return create_app(searcher=standin_searcher())
