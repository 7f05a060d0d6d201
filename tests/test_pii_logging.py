"""The log filter finds personal numbers hidden by percent-encoding (issue 14, item 5): uvicorn logs a
request's path and query string as sent, so "号码13812345678" arrives as %E5%8F%B7%E7%A0%81…"""

from __future__ import annotations

import io
import logging
from urllib.parse import quote, unquote_plus

import pytest
from uvicorn.logging import AccessFormatter

from api.privacy.redact import RedactingFilter, install_log_redaction

MOBILE = "13812345678"
ENCODED_PATHS = [
    "/knowledge?q=" + quote(f"号码{MOBILE}"),
    "/knowledge?q=" + "".join(f"%{ord(c):02X}" for c in MOBILE),  # every digit encoded
    "/knowledge?q=" + quote(quote(f"电话{MOBILE}")),  # encoded twice
    "/knowledge?q=138+1234+5678",  # a form-encoded space
    "/knowledge?q=" + quote("电话138，1234，5678"),
    "/api/history/" + quote(f"web:{MOBILE}"),
]


def access_line(path: str) -> str:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    assert RedactingFilter().filter(record)
    return AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s", use_colors=False).format(record)


def digits_of(text: str) -> str:
    return "".join(ch for ch in unquote_plus(unquote_plus(text)) if ch.isdigit())


@pytest.mark.parametrize("path", ENCODED_PATHS)
def test_access_log_redacts_a_percent_encoded_number(path: str) -> None:
    line = access_line(path)
    assert "[手机号]" in line
    assert MOBILE not in digits_of(line)
    assert " 200" in line  # the status code field is still there


def test_access_log_without_personal_numbers_is_unchanged() -> None:
    path = "/knowledge?q=" + quote("欠了12000块 2024-03-15")
    assert path in access_line(path)


@pytest.mark.parametrize("path", ENCODED_PATHS)
def test_any_logger_redacts_a_percent_encoded_number(path: str) -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test_pii_logging.app")
    logger.propagate = False
    logger.handlers = [logging.StreamHandler(stream)]
    logger.setLevel(logging.INFO)
    install_log_redaction(logger)
    logger.info("request %s", path)
    try:
        raise ValueError(path)
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    assert text.count("[手机号]") >= 2  # the message and the exception text
    assert MOBILE not in digits_of(text)
