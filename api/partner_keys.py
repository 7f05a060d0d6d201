"""The partner channel's API keys, each bound to the sources it may speak for (read by the settings).

API_CHANNEL_API_KEYS="key1:wecom|dingtalk,key2:hotline": a key is accepted for its own
sources only, so a WeCom bridge cannot post as the hotline system, and no key can post
as one of the api's own channels (a ``wechat`` source with a worker's openid would
continue that worker's WeChat conversation).
"""

from __future__ import annotations

import re

# The api's own channels: their conversations are reached only through their own routes.
RESERVED_SOURCES = frozenset({"web", "wechat"})
SOURCE_RE = re.compile(r"^[a-z0-9_-]{1,20}$")


class BadPartnerKeys(RuntimeError):
    """The setting cannot be read as keys and sources; the message never holds a key.

    Not a ValueError: pydantic would wrap that and print the setting's value, keys and all.
    """


def parse_partner_keys(value: str) -> dict[str, frozenset[str]]:
    """Each key with its allowed sources; a plain key (no ``:``) is bound to none."""
    keys: dict[str, frozenset[str]] = {}
    for position, entry in enumerate(value.replace(",", " ").split(), start=1):
        key, colon, listed = entry.rpartition(":")
        if not colon:
            key, listed = entry, ""
        sources = frozenset(s for s in listed.split("|") if s)
        if not key:
            raise BadPartnerKeys(f"API_CHANNEL_API_KEYS entry {position} has no key before ':'")
        for source in sources:
            if not SOURCE_RE.match(source):
                # The name is not repeated: a mistyped entry may hold part of a key.
                raise BadPartnerKeys(f"API_CHANNEL_API_KEYS entry {position} names an invalid source")
            if source in RESERVED_SOURCES:
                raise BadPartnerKeys(
                    f"API_CHANNEL_API_KEYS entry {position}: {source!r} is the api's own channel, never a partner's"
                )
        keys[key] = keys.get(key, frozenset()) | sources
    return keys


def unbound_keys(keys: dict[str, frozenset[str]]) -> int:
    """How many keys may speak for no source (refused in production: a key must say what it is for)."""
    return sum(1 for sources in keys.values() if not sources)
