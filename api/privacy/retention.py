"""The hourly purge: what is past its retention time is deleted from every store that keeps it."""

from __future__ import annotations

from dataclasses import dataclass

from api.cases.store import CaseStore
from api.conversations.history import History
from api.conversations.web_sessions import WebSessions
from api.handoff.store import HandoffStore
from api.privacy.tracker_retention import TrackerRetention
from api.privacy.vault import PiiVault
from api.staff.accounts import AccountStore


@dataclass(frozen=True)
class RetentionDays:
    pii: int
    conversations: int
    cases: int


@dataclass
class Retention:
    """Everything the hourly purge deletes from, and after how long."""

    days: RetentionDays
    cases: CaseStore
    vault: PiiVault
    accounts: AccountStore
    history: History
    handoffs: HandoffStore
    web_sessions: WebSessions
    trackers: TrackerRetention | None

    def purge(self) -> dict[str, int]:
        days = self.days
        purged = {
            "vault": self.vault.purge(),
            "case_contacts": self.cases.purge_contacts(days.pii),
            "cases": self.cases.purge_cases(days.cases),
            "messages": self.history.purge_before(days.conversations),
            "conversation_states": self.handoffs.purge_before(days.conversations),
            "ended_conversations": self.web_sessions.purge_before(days.conversations),
            "sessions": self.accounts.purge_sessions(),
        }
        if self.trackers is not None:
            purged["tracker_events"] = self.trackers.purge_before(days.conversations)
        return purged
