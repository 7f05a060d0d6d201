"""action_legal_aid_referral: where to get help for this dispute (item 6; item 3 for wages)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.journey_reply import ClauseRefs, JourneyClosing


class ActionLegalAidReferral(JourneyClosing):
    action = "action_legal_aid_referral"
    slots = ("dispute_type", "can_afford_lawyer")
    item_marker = "（六）"

    def compose(self, tracker: Tracker) -> tuple[list[str], ClauseRefs]:
        dispute = str(tracker.get_slot("dispute_type") or "")
        poor = tracker.get_slot("can_afford_lawyer") == "请不起"
        lines = []
        basis: ClauseRefs = ((6, 1), (6, 2))
        if dispute == "别的事":
            lines.append("《工作要点》讲的是农民工劳动权益方面的维权；别的纠纷可以直接打12348问。")
        if dispute == "欠工资":
            lines.append(
                "欠工资：先到干活所在地的人社部门（劳动保障监察）投诉，或打12333；省里要求新发生的欠薪案件3个月内清零。"
            )
            basis = ((3, 2), *basis)
        if dispute in {"欠工资", "工伤", "劳动合同"}:
            lines.append(
                "劳动仲裁：农民工争议案件有处理绿色通道，工资争议符合规定的可以简易处理、终局裁决，比打官司快。"
                "到当地劳动人事争议仲裁委员会申请。"
            )
        if poor:
            lines.append(
                "法律援助：省里在推进农民工法律援助，可以打12348公共法律服务热线，或到当地法律援助中心申请，也能走网上通道。"
            )
        else:
            lines.append("请律师之前，也可以先打12348公共法律服务热线免费咨询。")
        lines.append("工会：工会有劳动法律监督职能，对一线农民工有维权帮扶救助，可以找单位或当地工会。")
        return [f"{n}. {line}" for n, line in enumerate(lines, start=1)], basis
