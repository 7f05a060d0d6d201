/*
 * 审计: who did what to the knowledge, newest first; for the open entry (its 审计 pane) or
 * for all or one key (the 审计日志 tab).
 */
import { asList, asText, byId, clear, el } from "./dom.js";
import { ACTION_LABELS, API, when } from "./admin-model.js";

/**
 * @param {HTMLElement} body a table's tbody
 * @param {any[]} items
 */
function renderAudit(body, items) {
  clear(body);
  for (const item of items) {
    const row = el("tr", "ga-audit-row");
    row.appendChild(el("td", "ga-audit-at", when(item.at)));
    row.appendChild(el("td", "ga-audit-actor", asText(item.actor)));
    row.appendChild(el("td", "ga-audit-action", ACTION_LABELS[asText(item.action)] || asText(item.action)));
    row.appendChild(el("td", "ga-audit-key", asText(item.key)));
    row.appendChild(el("td", "ga-audit-version", item.version ? "第" + item.version + "版" : ""));
    row.appendChild(el("td", "ga-audit-note", asText(item.note)));
    body.appendChild(row);
  }
}

/** @param {import("./admin.js").AdminApp} app */
export function createAudit(app) {
  const state = app.state;
  const keyBox = /** @type {HTMLInputElement} */ (byId("ga-audit-key"));

  function loadEntry() {
    const current = state.current;
    if (!current || !current.key) {
      return;
    }
    const key = current.key;
    app
      .call("GET", API + "/audit?key=" + encodeURIComponent(key))
      .then((data) => {
        if (state.current && state.current.key === key) {
          renderAudit(byId("ga-entry-audit-body"), asList(data.items));
        }
      })
      .catch(app.failed);
  }

  function load() {
    const key = keyBox.value.trim();
    app
      .call("GET", API + "/audit" + (key ? "?key=" + encodeURIComponent(key) : ""))
      .then((data) => {
        const items = asList(data.items);
        renderAudit(byId("ga-audit-body"), items);
        byId("ga-audit-empty").hidden = items.length > 0;
      })
      .catch(app.failed);
  }

  byId("ga-audit-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });

  return { load, loadEntry };
}
