"""Structured logs: one JSON object per line, for a log collector (API_LOG_FORMAT=json).

The personal-data filter (api/privacy/redact.py) runs on every record before any formatter,
so a JSON line holds no more than a text line would.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

FIELDS = ["asctime", "levelname", "name", "message"]
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def configure(log_format: str, level: int = logging.INFO) -> None:
    """The root logger's handler, and uvicorn's, in the chosen format."""
    if log_format != "json":
        logging.basicConfig(level=level)
        return
    formatter = JsonFormatter(FIELDS, rename_fields=RENAMED, json_ensure_ascii=False)
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        for existing in logger.handlers:
            existing.setFormatter(formatter)
