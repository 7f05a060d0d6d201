"""The api process's settings, from API_* variables (knowledge ones from KNOWLEDGE_*).

Production mode refuses secrets that are missing, short or obviously placeholders: every
secret comes from the environment (pydantic-settings reads no file for them). In
development an empty secret is fine (the Makefile makes random ones); in production the
settings do not validate, and the error names the variables at fault, never their values.
"""

from __future__ import annotations

from functools import cached_property
from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.partner_keys import parse_partner_keys, unbound_keys
from knowledge.loader import PROJECT_ROOT
from knowledge.settings import KnowledgeSettings


def split_list(value: str) -> list[str]:
    """Comma- or space-separated settings (URLs, origins, keys) as a list."""
    return [part for part in value.replace(",", " ").split() if part]


# What the worker is told when the conversation goes to a person (API_HANDOFF_NOTICE changes it).
DEFAULT_HANDOFF_NOTICE = "工作人员看到后会在这里回复您（工作日 9:00–17:00）。"


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="API_", extra="ignore")

    # "production" refuses to start with an empty or placeholder secret (check, below).
    env: str = "development"
    # "json": one JSON object per line, for a log collector; "text": for a terminal.
    log_format: str = "text"
    host: str = "127.0.0.1"
    port: int = 8000
    max_question_chars: int = 2000
    # Rasa calls the actions at /webhook?token=…; empty refuses every call.
    actions_token: str = ""
    database_url: str = f"sqlite:///{PROJECT_ROOT / '.cache' / 'cases.db'}"
    handoff_notice: str = DEFAULT_HANDOFF_NOTICE
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)

    # Rasa replicas (REST channel), comma-separated; a conversation always goes to the same one.
    rasa_urls: str = "http://127.0.0.1:5005"
    # Signs the short-lived JWT that Rasa's HTTP API and its signed REST channel require
    # (the same value as Rasa's RASA_JWT_SECRET).
    rasa_jwt_secret: str = ""
    # Well under Rasa's lock lifetime (60 s), so a stuck turn fails here before it blocks the next.
    rasa_timeout_s: float = 10.0
    # Redis for dedupe and rate limits shared by several api processes; empty keeps them in-process.
    redis_url: str = ""
    max_body_bytes: int = 64 * 1024
    # Rasa's action calls hold the whole tracker and domain; a long conversation passes 64 KB.
    actions_max_body_bytes: int = 32 * 1024 * 1024
    # A longer message gets a friendly reply asking for a shorter one, and never reaches Rasa.
    max_message_chars: int = 1000
    # Messages per conversation (web session, WeChat user) per minute.
    rate_per_minute: int = 30
    # Sites allowed to embed the widget from another origin (comma-separated origins).
    cors_origins: str = ""
    # API keys of the generic JSON channel (other systems: WeCom or DingTalk bridges, a hotline system),
    # each bound to the sources it may speak for: "key1:wecom|dingtalk,key2:hotline" (never web or wechat).
    channel_api_keys: str = ""
    # Per client address and minute (the proxy's X-Forwarded-For, when trusted): requests that run
    # the model or write for anyone. Generous: a mobile carrier's NAT puts hundreds of workers on
    # one address (a site's workers at their evening break), so these stop one machine's flood,
    # not a crowd; each conversation has its own limit (rate_per_minute) too.
    search_per_address_per_minute: int = 60
    messages_per_address_per_minute: int = 600
    feedback_per_address_per_minute: int = 120
    handoffs_per_address_per_minute: int = 30
    # A staff member who leaves a worker unanswered this long loses the conversation to the queue.
    handoff_hold_minutes: float = Field(default=20, gt=0)
    # 显示电话 (a case's decrypted contact) per staff member per minute.
    contact_views_per_minute: int = 30
    # Fernet key for the personal data a form keeps (the contact of a wage claim); empty: a key
    # kept in .cache/pii.key is made on first use (development only).
    pii_key: str = ""
    pii_key_file: str = str(PROJECT_ROOT / ".cache" / "pii.key")
    pii_retention_days: int = 180
    # Conversations (messages, their console state, Rasa's trackers) are deleted this long after
    # their last message; cases this long after their last change.
    conversation_retention_days: int = 180
    case_retention_days: int = 1095
    # Rasa's tracker store (SQLAlchemy URL), so the retention purge reaches the trackers too;
    # empty: the api leaves them alone.
    tracker_database_url: str = ""
    # How often a process checks the knowledge store for a publish made by another process.
    knowledge_refresh_s: float = 10.0
    # WeChat official account, safe mode (all four come from the account's admin console).
    wechat_token: str = ""
    wechat_aes_key: str = ""
    wechat_app_id: str = ""
    wechat_app_secret: str = ""
    wechat_api_base: str = "https://api.weixin.qq.com"
    # WeChat waits 5 s for a reply; past this the worker gets a short note and the answer follows.
    wechat_reply_deadline_s: float = 4.5
    wechat_timestamp_window_s: int = 300
    # Staff console logins: a session ends after this long, or after this long without a request.
    session_hours: float = 8
    session_idle_minutes: float = 60
    # Send the session cookie over HTTPS only; turn on wherever the console is served over HTTPS.
    cookie_secure: bool = False
    # Login attempts (counted before the password is checked, api/staff/login_limits.py):
    # per username and address per minute; per username from all addresses per 15 minutes
    # (then a lockout that doubles each time); per address over all usernames per 15 minutes.
    login_failures_per_minute: int = 5
    login_attempts_per_account: int = 20
    login_attempts_per_address: int = 50
    # argon2 hashes running at once in a process (each takes 19 MiB): a burst waits for none.
    password_checks: int = Field(default=3, ge=1, le=4)
    # Uvicorn reads this same variable: only these addresses may set the client's address
    # through X-Forwarded-For. Read here so that production can refuse "*".
    forwarded_allow_ips: str = Field(default="127.0.0.1", validation_alias="FORWARDED_ALLOW_IPS")
    # The gap report groups at most this many of the newest unanswered questions (and says so).
    gaps_max_questions: int = 2000
    # A web chat closes after this long without a message, or this long after it began (shared
    # phones, internet cafés); the widget is told and clears its screen too. A reload brings back
    # at most web_recent_messages.
    web_idle_minutes: float = 30
    web_max_hours: float = 24
    web_recent_messages: int = 20

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Self:
        _ = self.channel_api_key_sources  # a reserved or malformed source stops any mode
        check(self)
        return self

    @property
    def rasa_url_list(self) -> list[str]:
        return [url.rstrip("/") for url in split_list(self.rasa_urls)]

    @property
    def cors_origin_list(self) -> list[str]:
        return split_list(self.cors_origins)

    @cached_property
    def channel_api_key_sources(self) -> dict[str, frozenset[str]]:
        """Parsed once (a partner request reads it every time); settings do not change after start."""
        return parse_partner_keys(self.channel_api_keys)


MIN_SECRET_CHARS = 16
JWT_SECRET_MIN_CHARS = 32
PLACEHOLDER_WORDS = ("change", "placeholder", "example", "replace", "secret", "password", "default", "xxxx")


class InsecureSettings(RuntimeError):
    """Production mode with a secret that would let anyone in."""


def looks_like_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    if len(lowered) < MIN_SECRET_CHARS or len(set(lowered)) < 4:
        return True
    if lowered.startswith(("<", "${", "{{")):
        return True
    return any(word in lowered for word in PLACEHOLDER_WORDS)


def insecure_settings(settings: ApiSettings) -> list[str]:
    """The environment variables a production process must not start with, as they stand."""
    secrets = {
        "API_ACTIONS_TOKEN": settings.actions_token,
        "API_RASA_JWT_SECRET": settings.rasa_jwt_secret,
        "API_PII_KEY": settings.pii_key,
    }
    if settings.wechat_app_id or settings.wechat_token:
        secrets |= {
            "API_WECHAT_TOKEN": settings.wechat_token,
            "API_WECHAT_AES_KEY": settings.wechat_aes_key,
            "API_WECHAT_APP_SECRET": settings.wechat_app_secret,
        }
    problems = [name for name, value in secrets.items() if looks_like_placeholder(value)]
    # HS256 wants a key at least as long as its hash (RFC 7518, 3.2).
    if len(settings.rasa_jwt_secret) < JWT_SECRET_MIN_CHARS and "API_RASA_JWT_SECRET" not in problems:
        problems.append("API_RASA_JWT_SECRET")
    partner_keys = settings.channel_api_key_sources
    if any(looks_like_placeholder(key) for key in partner_keys) or unbound_keys(partner_keys):
        problems.append("API_CHANNEL_API_KEYS")
    if not settings.cookie_secure:
        problems.append("API_COOKIE_SECURE")
    # "*" lets anyone who reaches the api pick the address the login limits count.
    if "*" in split_list(settings.forwarded_allow_ips):
        problems.append("FORWARDED_ALLOW_IPS (the proxy's own address, never *)")
    return problems


def check(settings: ApiSettings) -> None:
    """Raise InsecureSettings in production mode when a secret would let anyone in."""
    if settings.env != "production":
        return
    problems = insecure_settings(settings)
    if problems:
        raise InsecureSettings(
            "production mode refuses to start: set these from the environment to real values "
            f"(at least {MIN_SECRET_CHARS} random characters, no placeholders): " + ", ".join(problems)
        )
