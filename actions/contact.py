"""The wage claim's contact phone: shown masked, stored encrypted, never kept in clear."""

from __future__ import annotations

from actions import services
from actions.parsing import mask_phone
from api.cases.store import conversation_key
from api.privacy.vault import token_of


def _vault() -> services.PiiVault:
    vault = services.current().vault
    if vault is None:
        raise RuntimeError("no personal-data vault configured: the api configures one at start-up")
    return vault


def masked_contact(value: str, sender_id: str) -> str:
    """What a summary shows: 139****5678, whether the slot holds the adapter's placeholder or digits."""
    token = token_of(value)
    if token:
        return _vault().masked(token, conversation_key(sender_id)) or "（已提供）"
    return mask_phone(value)


def encrypted_contact(value: str, sender_id: str) -> tuple[str, str]:
    """(ciphertext, masked) for the case; a placeholder's number comes from the vault, still encrypted."""
    vault = _vault()
    token = token_of(value)
    if token:
        conversation = conversation_key(sender_id)
        return vault.ciphertext(token, conversation) or "", vault.masked(token, conversation) or ""
    # Straight to Rasa without the adapter (tests, a console): the digits are encrypted here.
    return vault.cipher.encrypt(value), mask_phone(value)
