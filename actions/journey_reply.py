"""Shared by the journeys' closing actions: the checklist reply and the plan clauses it rests on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.form_validation import form_done

DOC = "《2019年山西省农民工工作要点》"
ClauseRefs = tuple[tuple[int, int], ...]  # (item, clause number within the item)


def clause_citations(references: ClauseRefs) -> list[dict[str, Any]]:
    """Citations for (item, clause) pairs, quoted verbatim."""
    document = services.current().searcher.kb.document
    out = []
    for number, clause in references:
        item = document.item(number)
        out.append(
            {
                "doc": document.citation_name(),
                "item": number,
                "title": item.title,
                "quote": item.clauses[clause - 1].text,
                "departments": list(item.departments),
            }
        )
    return out


class JourneyClosing(Action, ABC):
    """After a journey's form: reply from its answers, citing the plan, and clear the form.

    After a stop or a handoff (the form's validation already spoke) it only clears.
    """

    action: str = ""
    slots: tuple[str, ...] = ()
    item_marker: str = ""  # 第（八）项, named at the end of the reply

    def name(self) -> str:
        return self.action

    @abstractmethod
    def compose(self, tracker: Tracker) -> tuple[list[str], ClauseRefs]:
        """The reply's lines and the clauses they rest on."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        cleared = [
            *(SlotSet(slot, None) for slot in self.slots),
            SlotSet("form_outcome", None),
            SlotSet("offered_journey", None),
        ]
        if form_done(tracker):
            lines, basis = self.compose(tracker)
            dispatcher.utter_message(
                text="\n".join(lines) + f"\n依据：{DOC}第{self.item_marker}项。",
                json_message={"citations": clause_citations(basis)},
            )
        return cleared
