"""Personal data a form needs, kept encrypted and for a limited time.

The adapter replaces a mobile number in a worker's message with a placeholder
``[手机号#<token>]`` before the text reaches Rasa or a log, and stores the number here,
encrypted (Fernet: AES with an HMAC) under that token. The wage-intake form keeps the
placeholder as its contact slot; when the case is filed the number is copied,
still encrypted, into the case. Unclaimed numbers go after ``vault_hours``; case
contacts after the retention period (``CaseStore.purge_contacts``).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.db.base import Base, UtcDateTime
from api.db.engine import shared_engine

TOKEN_RE = re.compile(r"\[手机号#([0-9a-f]{8})\]")
# What Rasa sees: always the same words, so the token never sways the NLU; the tokens
# travel beside the text in the message's metadata, in order.
MOBILE_PLACEHOLDER = "[手机号]"


def placeholder(token: str) -> str:
    return f"[手机号#{token}]"


def with_tokens(text: str, metadata: dict[str, object] | None) -> str:
    """The adapter's placeholders with their tokens put back, for the form that keeps the number."""
    pii = (metadata or {}).get("pii")
    tokens = pii.get("mobile") if isinstance(pii, dict) else None
    if not isinstance(tokens, list):
        return text
    for token in tokens:
        if isinstance(token, str) and re.fullmatch(r"[0-9a-f]{8}", token) and MOBILE_PLACEHOLDER in text:
            text = text.replace(MOBILE_PLACEHOLDER, placeholder(token), 1)
    return text


def token_of(text: str) -> str | None:
    match = TOKEN_RE.search(text)
    return match.group(1) if match else None


def load_key(key: str, key_file: str) -> bytes:
    """The configured key; in development a key file made once under .cache/."""
    if key:
        return key.encode("ascii")
    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(Fernet.generate_key())
        path.chmod(0o600)
    return path.read_bytes().strip()


class Cipher:
    def __init__(self, key: bytes) -> None:
        self.fernet = Fernet(key)

    def encrypt(self, value: str) -> str:
        return self.fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str | None:
        try:
            return self.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None


class VaultRow(Base):
    __tablename__ = "pii_vault"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    conversation: Mapped[str] = mapped_column(String(64), index=True)  # a hash of the sender
    kind: Mapped[str] = mapped_column(String(16))
    ciphertext: Mapped[str] = mapped_column(Text)
    masked: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class PiiVault:
    def __init__(self, url: str, cipher: Cipher, vault_hours: float = 24.0) -> None:
        self.engine = shared_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.cipher = cipher
        self.vault_hours = vault_hours

    def keep(self, conversation: str, kind: str, value: str, masked: str) -> str:
        """Store a value; returns its token (random, so it tells nothing about the value)."""
        token = secrets.token_hex(4)
        with self.sessions() as session:
            session.add(
                VaultRow(
                    token=token,
                    conversation=conversation,
                    kind=kind,
                    ciphertext=self.cipher.encrypt(value),
                    masked=masked,
                    created_at=datetime.now(UTC),
                )
            )
            session.commit()
        return token

    def _row(self, token: str, conversation: str) -> VaultRow | None:
        # Only the conversation that gave the number can use its token.
        with self.sessions() as session:
            return session.scalar(
                select(VaultRow).where(VaultRow.token == token, VaultRow.conversation == conversation)
            )

    def masked(self, token: str, conversation: str) -> str | None:
        row = self._row(token, conversation)
        return row.masked if row else None

    def ciphertext(self, token: str, conversation: str) -> str | None:
        row = self._row(token, conversation)
        return row.ciphertext if row else None

    def purge(self, now: datetime | None = None) -> int:
        cutoff = (now or datetime.now(UTC)) - timedelta(hours=self.vault_hours)
        with self.sessions() as session:
            result = session.execute(delete(VaultRow).where(VaultRow.created_at < cutoff))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)
