"""action_housing_precheck: what item 9 offers this worker, and where to apply."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.journey_reply import ClauseRefs, JourneyClosing

BASIS = ((9, 1), (9, 2), (9, 3), (9, 4))


class ActionHousingPrecheck(JourneyClosing):
    action = "action_housing_precheck"
    slots = ("housing_city", "stable_job", "has_residence_permit", "household")
    item_marker = "（九）"

    def compose(self, tracker: Tracker) -> tuple[list[str], ClauseRefs]:
        city = str(tracker.get_slot("housing_city") or "")
        stable = tracker.get_slot("stable_job") == "有"
        permit = tracker.get_slot("has_residence_permit") == "有"
        household = str(tracker.get_slot("household") or "")

        lines = [f"按省里的政策（第（九）项），{city}的农民工可以看这几条路："]
        lines.append("1. 公租房：各市把公租房保障范围放宽到城镇常住人口家庭，符合条件的农民工可以申请。")
        lines.append("2. 租赁补贴：加大发放力度，手续简化。")
        if stable:
            lines.append("3. 宿舍型公租房、定向配租：您有固定工作，可以问问单位有没有申请。")
        else:
            lines.append("3. 宿舍型公租房、定向配租一般通过单位申请；没有固定单位的，先看公租房和租赁补贴。")
        lines.append("4. 住房公积金：省里在建立自愿缴存机制，把农民工纳入进来。")
        lines.append(f"您家的情况：{household}。具体申请条件（住多久、收入多少）由{city}定。")
        if not permit:
            lines.append("建议先在当地派出所办好居住证，很多手续要用。")
        lines.append(f"下一步：到{city}的住建局或房管部门问公租房和租赁补贴怎么申请，或打12345。")
        return lines, BASIS
