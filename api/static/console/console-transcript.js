/*
 * One message of a transcript as staff see it: who, when, the text, and for the bot's
 * answers why it answered so (intent, confidence, the knowledge it found, what it cited).
 */
import { asList, asText, el } from "./dom.js";
import { itemLabel, score, timeNode } from "./format.js";
import { codeNode, labelOf } from "./console-labels.js";

const WHO = { user: "工友", bot: "机器人", staff: "工作人员" };

/** @param {any} hit */
function hitLabel(hit) {
  const items = asList(hit.items);
  const label = items.length ? items.map(itemLabel).join("、") : asText(hit.title);
  return (hit.kind === "answer" ? "答复 " : "") + label;
}

/** @param {any} evidence the bot's reasons for an answer */
function evidenceLine(evidence) {
  const line = el("p", "gc-evidence");
  /** @type {[string, HTMLElement][]} */
  const parts = [];
  if (evidence.intent) {
    parts.push(["意图", codeNode("span", "gc-ev-value gc-intent", "intents", evidence.intent)]);
  }
  if (typeof evidence.confidence === "number") {
    parts.push(["置信度", el("span", "gc-ev-value", score(evidence.confidence))]);
  }
  for (const [key, value] of parts) {
    const span = el("span", "gc-ev");
    span.appendChild(el("span", "gc-ev-key", key));
    span.appendChild(document.createTextNode(" "));
    span.appendChild(value);
    line.appendChild(span);
  }
  if (evidence.in_scope === false) {
    line.appendChild(el("span", "gc-ev gc-ev-out", "超出范围"));
  }
  const hits = asList(evidence.hits).slice(0, 3);
  if (hits.length) {
    const span = el("span", "gc-ev");
    span.appendChild(el("span", "gc-ev-key", "命中"));
    hits.forEach((hit, index) => {
      const one = el("span", "gc-ev-hit", (index ? "；" : " ") + hitLabel(hit) + " " + score(hit.score));
      if (hit.title) {
        one.title = asText(hit.title);
      }
      span.appendChild(one);
    });
    line.appendChild(span);
  }
  return line;
}

/** @param {any[]} citations */
function citationBlock(citations) {
  const details = el("details", "gc-cites");
  const heads = citations.map((c) => {
    const head = [];
    if (c.item !== undefined && c.item !== null && c.item !== "") {
      head.push(itemLabel(c.item));
    }
    if (c.title) {
      head.push(asText(c.title));
    }
    return head.join(" ");
  });
  details.appendChild(el("summary", "gc-cites-summary", "引用：" + heads.filter(Boolean).join("；")));
  citations.forEach((c, index) => {
    const item = el("div", "gc-cite");
    if (heads[index]) {
      item.appendChild(el("p", "gc-cite-title", heads[index]));
    }
    if (c.quote) {
      item.appendChild(el("blockquote", "gc-quote", asText(c.quote)));
    }
    const departments = asList(c.departments).map(asText).filter(Boolean);
    if (departments.length) {
      item.appendChild(el("p", "gc-depts", "责任单位：" + departments.join("、")));
    }
    if (c.doc) {
      item.appendChild(el("p", "gc-doc", "《" + asText(c.doc).replace(/^《|》$/g, "") + "》"));
    }
    details.appendChild(item);
  });
  return details;
}

/**
 * A button's payload ("/ask_human", "/choose_item{...}") by its intent's name; "" when not one.
 * @param {unknown} text
 */
function payloadLabel(text) {
  const match = /^\/([a-z_]{1,60})(\{[\s\S]*\})?$/.exec(asText(text));
  if (!match || labelOf("intents", match[1]) === match[1]) {
    return "";
  }
  let label = labelOf("intents", match[1]);
  try {
    const entities = match[2] ? JSON.parse(match[2]) : null;
    if (entities && (typeof entities.item === "number" || /^\d+$/.test(asText(entities.item)))) {
      label += " " + itemLabel(entities.item);
    }
  } catch {
    // entities that are not JSON: the intent's name is enough
  }
  return label;
}

/**
 * @param {any} message one of the api's transcript messages
 * @returns {HTMLElement}
 */
export function messageRow(message) {
  const role = Object.hasOwn(WHO, message.role) ? message.role : "bot";
  const row = el("div", "gc-msg gc-msg-" + role);
  if (message.id) {
    row.setAttribute("data-id", asText(message.id));
  }
  const meta = el("p", "gc-msg-meta");
  meta.appendChild(el("span", "gc-who", WHO[role]));
  meta.appendChild(timeNode(message.at, "gc-when"));
  row.appendChild(meta);
  // A button pressed through a channel that sent no title is stored as its payload.
  const pressed = role === "user" ? payloadLabel(message.text) : "";
  const bubble = el("div", "gc-bubble", pressed ? "（按钮）" + pressed : asText(message.text));
  if (pressed) {
    bubble.title = asText(message.text);
    bubble.setAttribute("data-code", asText(message.text));
  }
  row.appendChild(bubble);
  if (role === "bot" && message.evidence && typeof message.evidence === "object") {
    row.appendChild(evidenceLine(message.evidence));
  }
  // The buttons the worker was offered (their titles, as the worker saw them).
  const offered = asList(message.buttons)
    .map((b) => (b && typeof b === "object" ? asText(b.title) || payloadLabel(b.payload) || asText(b.payload) : ""))
    .filter(Boolean);
  if (offered.length) {
    row.appendChild(el("p", "gc-buttons", "按钮：" + offered.join(" ｜ ")));
  }
  const citations = asList(message.citations).filter((c) => c && typeof c === "object");
  if (citations.length) {
    row.appendChild(citationBlock(citations));
  }
  return row;
}
