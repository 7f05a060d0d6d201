/*
 * 待发布: every draft waiting; the editor looks at the changes, ticks some or all, and
 * publishes after a confirmation. The report says what went online and how long it took.
 * A publish names the version of each draft as shown here: if someone saved a newer draft
 * since, the api publishes nothing (409) and the list shows the new version to review.
 */
import { ApiError } from "./api.js";
import { asList, asText, byId, clear, el } from "./dom.js";
import { API, FIELDS, KIND_LABELS, keyLabel, kindOfKey, seconds } from "./admin-model.js";
import { showDiff } from "./admin-diff.js";

/** @param {import("./admin.js").AdminApp} app */
export function createDrafts(app) {
  const state = app.state;
  const all = /** @type {HTMLInputElement} */ (byId("ga-drafts-all"));
  const list = byId("ga-drafts-list");
  const publishSelected = /** @type {HTMLButtonElement} */ (byId("ga-publish-selected"));
  const publishAll = /** @type {HTMLButtonElement} */ (byId("ga-publish-all"));
  const publishNote = /** @type {HTMLInputElement} */ (byId("ga-publish-note"));
  let shownAs = ""; // the list as last drawn: an unchanged list is not drawn again (it is polled)
  /** @type {Set<string>} the drafts whose 看改动 is open (kept open across refreshes) */
  const changesOpen = new Set();

  function load() {
    return app
      .call("GET", API + "/drafts")
      .then((data) => {
        state.drafts = asList(data.items);
        const badge = byId("ga-draft-count");
        badge.textContent = String(state.drafts.length);
        badge.hidden = state.drafts.length === 0;
        const now = JSON.stringify(state.drafts);
        if (now !== shownAs) {
          shownAs = now;
          render();
        }
      })
      .catch((err) => {
        if (!(err instanceof ApiError && err.status === 403)) {
          app.failed(err);
        }
      });
  }

  /**
   * @param {boolean} onlyTicked
   * @returns {Record<string, number>} each draft's key and the version shown for it
   */
  function shownVersions(onlyTicked) {
    /** @type {Record<string, number>} */
    const versions = {};
    for (const node of list.querySelectorAll(".ga-draft-check")) {
      const box = /** @type {HTMLInputElement} */ (node);
      if (box.checked || !onlyTicked) {
        versions[box.value] = Number(box.getAttribute("data-version"));
      }
    }
    return versions;
  }

  /** @returns {string[]} the ticked drafts as key@version: a tick stays only on the version it was given to */
  function checkedKeys() {
    return Object.entries(shownVersions(true)).map(([key, version]) => key + "@" + version);
  }

  function updateButtons() {
    const picked = checkedKeys();
    publishSelected.disabled = picked.length === 0;
    publishSelected.textContent = picked.length ? "发布选中（" + picked.length + " 条）" : "发布选中";
    publishAll.disabled = state.drafts.length === 0;
    all.checked = state.drafts.length > 0 && picked.length === state.drafts.length;
  }

  /**
   * @param {any} draft
   * @param {string[]} ticked the keys ticked before the redraw
   */
  function draftItem(draft, ticked) {
    const key = asText(draft.key);
    const li = el("li", "gc-row ga-draft");
    li.setAttribute("data-key", key);
    const line = el("div", "ga-draft-line");
    const box = /** @type {HTMLInputElement} */ (el("input", "ga-draft-check"));
    box.type = "checkbox";
    box.value = key;
    box.setAttribute("data-version", String(draft.latest_version));
    box.checked = ticked.includes(key + "@" + draft.latest_version);
    box.setAttribute("aria-label", "选中 " + keyLabel(key) + " " + asText(draft.title));
    box.addEventListener("change", updateButtons);
    line.appendChild(box);
    const what = el("div", "ga-draft-what");
    const top = el("p", "gc-line");
    top.appendChild(el("span", "gc-chip gc-kind", KIND_LABELS[asText(draft.kind)] || asText(draft.kind)));
    top.appendChild(el("span", "gc-id", keyLabel(key)));
    top.appendChild(el("span", "gc-last", asText(draft.title)));
    what.appendChild(top);
    const sub = [
      "草稿第" + draft.latest_version + "版",
      draft.published_version ? "线上第" + draft.published_version + "版" : "新条目，还没发布过",
    ];
    if (draft.effective_date) {
      sub.push("生效日期 " + asText(draft.effective_date));
    }
    what.appendChild(el("p", "gc-sub", sub.join(" · ")));
    line.appendChild(what);
    const changes = /** @type {HTMLButtonElement} */ (el("button", "gc-button ga-draft-diff", "看改动"));
    changes.type = "button";
    const open = /** @type {HTMLButtonElement} */ (el("button", "gc-button ga-draft-open", "打开"));
    open.type = "button";
    line.appendChild(changes);
    line.appendChild(open);
    li.appendChild(line);
    const pre = el("pre", "ga-diff");
    pre.hidden = true;
    li.appendChild(pre);

    const showChanges = () => {
      changes.setAttribute("aria-expanded", "true");
      if (!draft.published_version) {
        clear(pre);
        pre.appendChild(el("span", "ga-diff-line", "新条目：发布后工友第一次看到它。"));
        pre.hidden = false;
        return;
      }
      showDiff(app.call, key, draft.published_version, draft.latest_version, pre, null)
        .then(() => {
          pre.hidden = false;
        })
        .catch(app.failed);
    };
    changes.setAttribute("aria-expanded", "false");
    changes.addEventListener("click", () => {
      if (changesOpen.has(key)) {
        changesOpen.delete(key);
        pre.hidden = true;
        changes.setAttribute("aria-expanded", "false");
        return;
      }
      changesOpen.add(key);
      showChanges();
    });
    if (changesOpen.has(key)) {
      showChanges();
    }
    open.addEventListener("click", () => {
      if (!app.confirmLeave()) {
        return;
      }
      state.dirty = false;
      const kind = asText(draft.kind) || kindOfKey(key);
      app.switchTab("entries", false);
      if (kind !== state.kind && FIELDS[kind]) {
        app.list.setKind(kind);
      }
      app.entry.open(key, true);
    });
    return li;
  }

  function render() {
    const ticked = checkedKeys();
    clear(list);
    for (const draft of state.drafts) {
      list.appendChild(draftItem(draft, ticked));
    }
    byId("ga-drafts-empty").hidden = state.drafts.length > 0;
    updateButtons();
  }

  /**
   * @param {any} report the api's publish report
   * @returns {string} its headline
   */
  function showReport(report) {
    const box = byId("ga-report");
    clear(box);
    const published = asList(report.published);
    const headline = "已发布 " + published.length + " 条，用时 " + seconds(report) + " 秒";
    box.appendChild(el("p", "ga-report-head", headline));
    const details = [];
    if (report.revision !== undefined && report.revision !== null) {
      details.push("知识库版本号 " + asText(report.revision));
    }
    if (typeof report.units === "number") {
      details.push("检索用的文字共 " + report.units + " 段，重新计算了 " + asText(report.encoded) + " 段");
    }
    if (details.length) {
      box.appendChild(el("p", "gc-sub", details.join(" · ")));
    }
    if (published.length) {
      const keys = published.map((pair) => keyLabel(asList(pair)[0]) + " 第" + asText(asList(pair)[1]) + "版");
      box.appendChild(el("p", "gc-sub ga-report-keys", keys.join("、")));
    }
    box.hidden = false;
    return headline;
  }

  /** After anything went online: the drafts, the list and the log change. */
  function afterPublish() {
    load();
    app.list.load();
    if (state.tab === "audit") {
      app.audit.load();
    }
  }

  /**
   * @param {Record<string, number>} versions each entry's draft version as the editor saw it
   * @param {string} note
   */
  function publish(versions, note) {
    const count = Object.keys(versions).length;
    if (!count) {
      return;
    }
    if (!window.confirm("确定发布 " + count + " 条吗？发布后工友马上就能看到。")) {
      return;
    }
    const publishOne = app.entry.publishButton;
    for (const button of [publishSelected, publishAll, publishOne]) {
      button.disabled = true;
    }
    app
      .call("POST", API + "/publish", { versions, note })
      .then((report) => {
        const headline = showReport(report);
        app.notify(headline + "。工友现在看到的就是新内容。");
        publishNote.value = "";
        const published = asList(report.published).map((pair) => asText(asList(pair)[0]));
        afterPublish();
        const current = state.current;
        if (current && current.key && published.includes(current.key) && !state.dirty) {
          app.entry.open(current.key, true);
        }
      })
      .catch((err) => {
        if (err instanceof ApiError && err.status === 409) {
          // Nothing went online; the list is loaded again and shows the new versions to review.
          app.notify("审核之后又有人保存了新草稿，这次什么都没有发布。请看一下新的改动再发布。", "error");
          load();
        } else {
          app.failed(err);
        }
      })
      .finally(() => {
        publishOne.disabled = false;
        updateButtons();
      });
  }

  all.addEventListener("change", () => {
    for (const box of list.querySelectorAll(".ga-draft-check")) {
      /** @type {HTMLInputElement} */ (box).checked = all.checked;
    }
    updateButtons();
  });
  byId("ga-publish-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const versions = shownVersions(true);
    if (Object.keys(versions).length) {
      publish(versions, publishNote.value.trim());
    }
  });
  publishAll.addEventListener("click", () => publish(shownVersions(false), publishNote.value.trim()));

  return { load, publish, afterPublish };
}
