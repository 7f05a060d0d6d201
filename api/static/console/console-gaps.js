/*
 * 答不上来的问题: what workers asked that the bot could not answer, similar wordings grouped
 * (by the api), each with a link to write an approved answer for it in the admin.
 */
import { asList, asText, byId, clear, el, isNumber } from "./dom.js";
import { timeNode } from "./format.js";
import { NEW_ANSWER_PATH } from "./console-texts.js";

/**
 * @param {any} item one group from /api/console/quality/gaps
 * @param {string} role the signed-in member of staff's role
 */
function gapItem(item, role) {
  const question = asText(item.question);
  const times = isNumber(item.count) ? item.count : 1;
  const li = el("li", "gc-gap");
  const head = el("div", "gc-line gc-gap-head");
  head.appendChild(el("span", "gc-gap-question", question));
  const count = el("span", "gc-chip gc-gap-count", "×" + times);
  count.title = "问过 " + times + " 次";
  head.appendChild(count);
  const last = timeNode(item.last_at, "gc-when");
  if (last.title) {
    last.title = "最近一次：" + last.title;
  }
  head.appendChild(last);
  const url = asText(item.new_answer_url);
  const link = /** @type {HTMLAnchorElement} */ (el("a", "gc-button gc-gap-link", "写审定答复"));
  // Only the admin's own form: never an address the data could choose.
  link.href = url.indexOf("/console/admin/") === 0 ? url : NEW_ANSWER_PATH + encodeURIComponent(question);
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.title =
    role === "staff"
      ? "在知识管理里写一条审定答复（问题已填好）；需要编辑或管理员权限"
      : "在知识管理里写一条审定答复（问题已填好）";
  head.appendChild(link);
  li.appendChild(head);
  const examples = asList(item.examples).map(asText).filter(Boolean).slice(0, 5);
  if (examples.length) {
    const details = el("details", "gc-gap-examples");
    details.appendChild(el("summary", "", "工友的问法（" + examples.length + " 种）"));
    const list = el("ul", "gc-gap-example-list");
    for (const text of examples) {
      list.appendChild(el("li", "gc-gap-example", text));
    }
    details.appendChild(list);
    li.appendChild(details);
  }
  return li;
}

export function createGaps() {
  const list = byId("gc-gaps-list");
  const empty = byId("gc-gaps-empty");
  const status = byId("gc-gaps-status");

  return {
    /** Grouping takes a moment (the api compares the questions' meanings): say so. */
    loading() {
      status.hidden = false;
      status.className = "gc-summary gc-gaps-status";
      status.textContent = "正在把相近的问题归类…";
    },
    /** @param {string} message */
    failed(message) {
      status.className = "gc-summary gc-out";
      status.textContent = "没能列出答不上来的问题：" + message;
    },
    /**
     * @param {unknown[]} items
     * @param {string} role
     * @param {any} report the whole answer: it says when only the newest questions were grouped
     */
    show(items, role, report) {
      const capped = report && report.capped === true && isNumber(report.max_questions);
      status.hidden = !capped;
      if (capped) {
        status.className = "gc-summary gc-gaps-status";
        status.textContent = "问题太多，只归类了最近的 " + report.max_questions + " 个";
      }
      clear(list);
      for (const item of items) {
        if (item && typeof item === "object") {
          list.appendChild(gapItem(item, role));
        }
      }
      empty.hidden = list.childNodes.length > 0;
    },
  };
}
