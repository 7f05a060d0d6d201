"""What production mode refuses: secrets that are missing, short or obviously placeholders.

Every secret comes from the environment (pydantic-settings reads no file for them). In
development an empty secret is fine (the Makefile makes random ones); in production the
process stops at start-up and names the settings at fault, never their values.
"""

from __future__ import annotations

from api.settings import ApiSettings, split_list

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
    if any(looks_like_placeholder(key) for key in split_list(settings.channel_api_keys)):
        problems.append("API_CHANNEL_API_KEYS")
    if not settings.cookie_secure:
        problems.append("API_COOKIE_SECURE")
    return problems


def check(settings: ApiSettings) -> None:
    if settings.env != "production":
        return
    problems = insecure_settings(settings)
    if problems:
        raise InsecureSettings(
            "production mode refuses to start: set these from the environment to real values "
            f"(at least {MIN_SECRET_CHARS} random characters, no placeholders): " + ", ".join(problems)
        )
