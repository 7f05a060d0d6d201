"""A worker in danger, or about to harm someone, is answered as a person first.

Said about unpaid wages more often than anywhere else ("要不到钱俺就不活了"). Such a
message gets the emergency numbers and a person, before any policy and in any state
(also in the middle of a form, which it ends).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import handoff_events
from actions.parsing import normalise

CRISIS = re.compile(
    r"不想活|活不下去|不活了|去死|寻死|自杀|轻生|跳楼|跳下去|跳下来|跳河|喝农药|割腕|上吊|了结自己|一死了之"
    r"|杀了他|杀了她|弄死他|砍死|捅死|同归于尽|报复老板|炸了"
    r"|被打了|打伤了|被人打|流血|快不行了"
)
CRISIS_REPLY = (
    "您的安全最要紧。有危险请马上打110（报警）或120（急救）；心里实在扛不住，可以打12356心理援助热线。"
    "工资的事一定有办法，我已经请工作人员来跟您说。"
)


def in_crisis(text: str) -> bool:
    return bool(CRISIS.search(normalise(text)))


def crisis_events(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    dispatcher.utter_message(text=CRISIS_REPLY)
    return handoff_events(dispatcher, "crisis")
