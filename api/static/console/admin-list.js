/*
 * 条目: the entries of one kind on the left, filtered as the editor types.
 */
import { ApiError } from "./api.js";
import { asList, asText, byId, clear, el } from "./dom.js";
import { arrowRows } from "./keys.js";
import { API, keyLabel } from "./admin-model.js";

/** @param {any} entry */
function statusLine(entry) {
  return entry.published_version ? "线上第" + entry.published_version + "版" : "还没发布";
}

/** @param {import("./admin.js").AdminApp} app */
export function createList(app) {
  const state = app.state;
  const list = byId("ga-list");
  const empty = byId("ga-list-empty");
  const filter = /** @type {HTMLInputElement} */ (byId("ga-filter"));
  const kindButtons = Array.from(document.querySelectorAll(".ga-kind"));

  /** @param {string} kind */
  function setKind(kind) {
    state.kind = kind;
    for (const button of kindButtons) {
      button.setAttribute("aria-pressed", button.getAttribute("data-kind") === kind ? "true" : "false");
    }
    return load();
  }

  function load() {
    const kind = state.kind;
    return app
      .call("GET", API + "/entries?kind=" + encodeURIComponent(kind))
      .then((data) => {
        if (kind === state.kind) {
          state.entries = asList(data.items);
          render();
        }
      })
      .catch((err) => {
        if (err instanceof ApiError && err.status === 403) {
          app.showForbidden();
        } else {
          app.failed(err);
        }
      });
  }

  /** @param {any} entry */
  function row(entry, openKey) {
    const key = asText(entry.key);
    const button = /** @type {HTMLButtonElement} */ (el("button", "gc-item ga-entry-row"));
    button.type = "button";
    button.setAttribute("data-key", key);
    if (key === openKey) {
      button.classList.add("gc-current");
      button.setAttribute("aria-current", "true");
    }
    const top = el("span", "gc-line");
    top.appendChild(el("span", "gc-id", keyLabel(key)));
    top.appendChild(el("span", "gc-last", asText(entry.title)));
    button.appendChild(top);
    const sub = el("span", "gc-line gc-sub");
    sub.appendChild(el("span", "ga-versions-line", statusLine(entry)));
    if (entry.has_draft) {
      sub.appendChild(el("span", "gc-chip gc-review ga-chip-draft", "草稿第" + entry.latest_version + "版"));
    }
    if (entry.retired) {
      sub.appendChild(el("span", "gc-chip ga-chip-retired", "已退役"));
    }
    if (entry.effective_date) {
      sub.appendChild(el("span", "gc-when", "生效 " + asText(entry.effective_date)));
    }
    button.appendChild(sub);
    button.addEventListener("click", () => app.entry.open(key));
    return button;
  }

  function render() {
    clear(list);
    const query = filter.value.trim().toLowerCase();
    const openKey = state.current && state.current.key;
    const shown = state.entries.filter((entry) => {
      const haystack = (asText(entry.key) + " " + keyLabel(entry.key) + " " + asText(entry.title)).toLowerCase();
      return !query || haystack.indexOf(query) >= 0;
    });
    for (const entry of shown) {
      const li = el("li", "gc-row");
      li.appendChild(row(entry, openKey));
      list.appendChild(li);
    }
    empty.hidden = shown.length > 0;
  }

  for (const button of kindButtons) {
    button.addEventListener("click", () => setKind(button.getAttribute("data-kind") || "item"));
  }
  filter.addEventListener("input", render);
  arrowRows(list);

  return { setKind, load, render };
}
