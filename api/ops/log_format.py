"""Structured logs: one JSON object per line, for a log collector (API_LOG_FORMAT=json).

The personal-data filter (api/privacy/redact.py) runs on every record before any formatter,
so a JSON line holds no more than a text line would. uvicorn's access lines carry the path
without its query string, in either format (``AccessPathOnly``).
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

FIELDS = ["asctime", "levelname", "name", "message"]
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


class AccessPathOnly(logging.Filter):
    """uvicorn's access lines with the path alone: no query string, ever.

    A query may hold what must not be logged: Rasa's ``/webhook?token=``, or a question a
    client put in a URL (percent-encoded, which the personal-data filter cannot read). The
    access logger's arguments are (client, method, path with query, HTTP version, status).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        else:  # an access record in another shape: cut any query out of the finished line
            record.msg, record.args = _QUERY.sub("", record.getMessage()), ()
        return True


# A query: from "?" up to the next space or quote (the end of the request target).
_QUERY = re.compile(r"\?[^\s\"]*")


def strip_access_queries() -> None:
    """Put :class:`AccessPathOnly` first on uvicorn's access logger, once (before any redaction)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessPathOnly) for f in access.filters):
        access.filters.insert(0, AccessPathOnly())


def configure(log_format: str, level: int = logging.INFO) -> None:
    """The root logger's handler, and uvicorn's, in the chosen format; access lines without queries."""
    strip_access_queries()
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
