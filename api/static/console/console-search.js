/*
 * 知识检索: what the bot's search finds for a question, to check the knowledge by hand.
 */
import { asList, asText, byId, clear, el } from "./dom.js";
import { itemLabel, score } from "./format.js";

const KIND_LABELS = { clause: "条款", answer: "答复" };

/** @param {any} hit */
function hitItem(hit) {
  const li = el("li", "gc-hit");
  const top = el("p", "gc-line gc-hit-head");
  top.appendChild(el("span", "gc-chip gc-kind", KIND_LABELS[asText(hit.kind)] || asText(hit.kind)));
  const items = asList(hit.items);
  if (items.length) {
    top.appendChild(el("span", "gc-hit-items", items.map(itemLabel).join("、")));
  }
  top.appendChild(el("span", "gc-hit-title", asText(hit.title)));
  top.appendChild(el("span", "gc-score", score(hit.score)));
  li.appendChild(top);
  const departments = asList(hit.departments).map(asText).filter(Boolean);
  if (departments.length) {
    li.appendChild(el("p", "gc-depts", "责任单位：" + departments.join("、")));
  }
  for (const quote of asList(hit.quotes)) {
    li.appendChild(el("blockquote", "gc-quote", asText(quote)));
  }
  const answerText = asText(hit.text) || asText(hit.answer);
  if (answerText) {
    const answer = el("div", "gc-answer");
    answer.appendChild(el("p", "gc-answer-label", "审定答复"));
    answer.appendChild(el("div", "gc-answer-text", answerText));
    li.appendChild(answer);
  }
  return li;
}

/** @param {import("./console.js").ConsoleApp} app */
export function createSearch(app) {
  const form = byId("gc-search-form");
  const q = /** @type {HTMLInputElement} */ (byId("gc-search-q"));
  const summary = byId("gc-search-summary");
  const hits = byId("gc-search-hits");

  /** @param {any} data */
  function render(data) {
    clear(hits);
    const inScope = data.in_scope !== false;
    summary.className = "gc-summary " + (inScope ? "gc-in" : "gc-out");
    summary.textContent = (inScope ? "在服务范围内" : "不在服务范围内") + " · 置信度 " + score(data.confidence);
    const found = asList(data.hits);
    if (!found.length) {
      hits.appendChild(el("li", "gc-empty", "没有命中。"));
    }
    for (const hit of found) {
      hits.appendChild(hitItem(hit));
    }
  }

  function run() {
    const question = q.value.trim();
    if (!question) {
      q.focus();
      return;
    }
    summary.hidden = false;
    summary.className = "gc-summary";
    summary.textContent = "正在检索…";
    app
      // POST: the question stays out of URLs and access logs.
      .call("POST", "/api/console/search", { text: question })
      .then(render)
      .catch((err) => {
        summary.textContent = "";
        summary.hidden = true;
        app.failed(err);
      });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  return { focus: () => q.focus() };
}
