/*
 * 历史: every version of the open entry; two ticked are compared; any version but the one
 * online can be rolled back to (which publishes it at once, after a confirmation).
 */
import { asList, asText, byId, clear, el } from "./dom.js";
import { entryPath, seconds, when } from "./admin-model.js";
import { showDiff } from "./admin-diff.js";

/**
 * The chips of a version: online, a draft, published once, never published; retired.
 * @param {any} version
 * @param {any} entry
 * @returns {[string, string][]}
 */
function versionChips(version, entry) {
  /** @type {[string, string][]} */
  const chips = [];
  const published = entry.published_version || 0;
  if (version.version === published) {
    chips.push(["线上", "gc-status-staff ga-chip-live"]);
  } else if (version.version > published) {
    chips.push(["草稿", "gc-review ga-chip-draft"]);
  } else if (version.published_at) {
    chips.push(["曾发布", "ga-chip-old"]);
  } else {
    chips.push(["未发布", "ga-chip-old"]);
  }
  if (version.retired) {
    chips.push(["退役", "ga-chip-retired"]);
  }
  return chips;
}

/** @param {import("./admin.js").AdminApp} app */
export function createHistory(app) {
  const state = app.state;
  const body = byId("ga-versions-body");
  const compare = /** @type {HTMLButtonElement} */ (byId("ga-compare"));
  const diffBox = byId("ga-diff-box");

  function load() {
    const current = state.current;
    if (!current || !current.key) {
      return;
    }
    const key = current.key;
    app
      .call("GET", entryPath(key, "history"))
      .then((data) => {
        if (state.current && state.current.key === key) {
          state.versions = asList(data.versions);
          render();
        }
      })
      .catch(app.failed);
  }

  /** @param {number} number */
  function pick(number, on) {
    const at = state.picked.indexOf(number);
    if (on && at < 0) {
      state.picked.push(number);
      if (state.picked.length > 2) {
        state.picked.shift(); // two at most: the oldest tick goes
      }
    } else if (!on && at >= 0) {
      state.picked.splice(at, 1);
    }
    for (const box of body.querySelectorAll(".ga-pick")) {
      const version = /** @type {HTMLElement} */ (box.closest("tr")).getAttribute("data-version") || "";
      /** @type {HTMLInputElement} */ (box).checked = state.picked.includes(parseInt(version, 10));
    }
    updateCompare();
  }

  /**
   * @param {any} version
   * @param {any} entry
   */
  function row(version, entry) {
    const number = version.version;
    const tr = el("tr", "ga-version");
    tr.setAttribute("data-version", asText(number));
    const pickCell = el("td");
    const box = /** @type {HTMLInputElement} */ (el("input", "ga-pick"));
    box.type = "checkbox";
    box.setAttribute("aria-label", "选第" + number + "版来对比");
    box.checked = state.picked.includes(number);
    box.addEventListener("change", () => pick(number, box.checked));
    pickCell.appendChild(box);
    tr.appendChild(pickCell);
    tr.appendChild(el("td", "ga-version-number", "第" + number + "版"));
    const chipsCell = el("td", "ga-version-state");
    for (const [text, className] of versionChips(version, entry)) {
      chipsCell.appendChild(el("span", "gc-chip " + className, text));
    }
    tr.appendChild(chipsCell);
    tr.appendChild(el("td", "ga-version-author", asText(version.author)));
    tr.appendChild(el("td", "ga-version-time", when(version.created_at)));
    tr.appendChild(el("td", "ga-version-effective", asText(version.effective_date) || "—"));
    tr.appendChild(el("td", "ga-version-note", asText(version.note)));
    const actions = el("td", "ga-version-actions");
    if (number !== entry.published_version) {
      const back = /** @type {HTMLButtonElement} */ (el("button", "gc-button ga-rollback", "回滚到此版本"));
      back.type = "button";
      back.addEventListener("click", () => rollback(number));
      actions.appendChild(back);
    }
    tr.appendChild(actions);
    return tr;
  }

  function render() {
    const entry = /** @type {import("./admin.js").OpenEntry} */ (state.current).entry;
    clear(body);
    const numbers = state.versions.map((v) => v.version);
    state.picked = state.picked.filter((n) => numbers.includes(n));
    for (const version of state.versions) {
      body.appendChild(row(version, entry));
    }
    updateCompare();
  }

  function updateCompare() {
    compare.disabled = state.picked.length !== 2;
    byId("ga-compare-hint").textContent =
      state.picked.length === 2
        ? "对比第" + Math.min(...state.picked) + "版和第" + Math.max(...state.picked) + "版"
        : "勾选两个版本，再点“对比”。";
  }

  /** @param {number} number */
  function rollback(number) {
    const current = state.current;
    if (!current || !current.key) {
      return;
    }
    const question =
      "确定把“" + app.entry.title() + "”回滚到第" + number + "版吗？\n" +
      "回滚会马上发布：工友立刻看到第" + number + "版的内容。" +
      (current.entry.draft ? "\n未发布的草稿不再生效（仍留在历史里）。" : "") +
      (state.dirty ? "\n你在“内容”里没保存的修改会被丢掉。" : "");
    if (!window.confirm(question)) {
      return;
    }
    const key = current.key;
    app
      .call("POST", entryPath(key, "rollback"), { to_version: number, note: "" })
      .then((report) => {
        app.notify("已回滚到第" + number + "版并发布，用时 " + seconds(report) + " 秒。");
        state.dirty = false;
        diffBox.hidden = true;
        app.drafts.afterPublish();
        return app.entry.open(key, true);
      })
      .catch(app.failed);
  }

  compare.addEventListener("click", () => {
    const current = state.current;
    if (!current || !current.key || state.picked.length !== 2) {
      return;
    }
    const a = Math.min(...state.picked);
    const b = Math.max(...state.picked);
    showDiff(app.call, current.key, a, b, byId("ga-diff"), byId("ga-diff-title"))
      .then(() => {
        diffBox.hidden = false;
      })
      .catch(app.failed);
  });

  return { load };
}
