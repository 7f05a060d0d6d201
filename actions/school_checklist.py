"""action_school_checklist: what to prepare for a child's school place, and whom to ask (item 8)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.journey_reply import ClauseRefs, JourneyClosing

BASIS = ((8, 1), (8, 2))  # 两为主、两纳入; 以居住证为主要依据, 同城待遇
HIGH_SCHOOL_BASIS = ((8, 7),)  # 升学考试政策


class ActionSchoolChecklist(JourneyClosing):
    action = "action_school_checklist"
    slots = ("child_grade", "family_city", "has_residence_permit", "hukou_place")
    item_marker = "（八）"

    def compose(self, tracker: Tracker) -> tuple[list[str], ClauseRefs]:
        grade = str(tracker.get_slot("child_grade") or "")
        city = str(tracker.get_slot("family_city") or "")
        permit = tracker.get_slot("has_residence_permit") == "有"
        hukou = str(tracker.get_slot("hukou_place") or "")

        lines = [f"孩子在{city}上{grade}，户口在{hukou}。按省里的政策，随迁子女入学以居住证为主要依据，享受同城待遇。"]
        if "幼儿园" in grade:
            lines.append("注意：《工作要点》讲的是义务教育和高中，幼儿园入园请直接问当地教育局。")
        if "高中" in grade:
            lines.append(
                "中考和上高中：省里要求各地完善随迁子女在流入地上完义务教育后的升学考试政策，具体条件各市不同。"
            )
        lines.append("一般要准备（以当地教育局当年公布的为准）：")
        if permit:
            steps = [f"{city}的居住证（您已经办了，看看有没有过期）"]
        else:
            steps = [f"先到{city}住处附近的派出所办居住证——这是入学的主要依据，越早办越好"]
        steps += [
            "户口簿（孩子和家长的）",
            "家长在当地打工的证明（劳动合同或单位证明）和住处证明（租房合同等）",
            "转学的还要原学校的学籍信息",
        ]
        lines += [f"{n}. {s}" for n, s in enumerate(steps, start=1)]
        lines.append(f"下一步：留意{city}教育局公布的入学报名时间和办法，不清楚就打12345问。")
        return lines, BASIS + (HIGH_SCHOOL_BASIS if "高中" in grade else ())
