/*
 * One entry on the right: what is online, the form to change it (saved as a draft, with
 * the version it was loaded from, so a stale save is refused and the text stays), retiring,
 * publishing it alone, and the 内容 / 历史 / 审计 panes. Also a new approved answer.
 */
import { detailOf, errorText, request } from "./api.js";
import { asList, asText, byId, clear, el } from "./dom.js";
import { chineseNumber } from "./format.js";
import { arrowTabs, selectTab } from "./keys.js";
import {
  ANSWER_ID,
  FAILURES,
  FIELDS,
  KIND_LABELS,
  NEW_ANSWER_PATH,
  RETIRABLE,
  SHOWN_ONLY,
  TEXT,
  entryPath,
  fieldValue,
  keyLabel,
  kindOfKey,
  latestOf,
  newAnswerId,
  titleOf,
  when,
} from "./admin-model.js";

/** Something in the form the editor must fix before saving. */
class FormError extends Error {
  /**
   * @param {string} message
   * @param {HTMLElement} [input] where to put the focus
   */
  constructor(message, input) {
    super(message);
    this.input = input;
  }
}

/** @param {import("./admin.js").AdminApp} app */
export function createEntry(app) {
  const state = app.state;
  const placeholder = byId("ga-placeholder");
  const view = byId("ga-entry");
  const title = byId("ga-entry-title");
  const form = byId("ga-form");
  const formFields = byId("ga-form-fields");
  const formError = byId("ga-form-error");
  const noteBox = /** @type {HTMLInputElement} */ (byId("ga-note"));
  const effectiveBox = /** @type {HTMLInputElement} */ (byId("ga-effective"));
  const newIdField = byId("ga-new-id-field");
  const newIdBox = /** @type {HTMLInputElement} */ (byId("ga-new-id"));
  const saveButton = /** @type {HTMLButtonElement} */ (byId("ga-save"));
  const reloadButton = byId("ga-reload");
  const retireButton = byId("ga-retire");
  const publishOneButton = /** @type {HTMLButtonElement} */ (byId("ga-publish-one"));
  const subTabs = /** @type {HTMLButtonElement[]} */ (Array.from(document.querySelectorAll(".ga-subtab")));
  /** @type {Record<string, HTMLElement>} */
  const panes = { edit: byId("ga-pane-edit"), history: byId("ga-pane-history"), audit: byId("ga-pane-audit") };

  /**
   * @param {string} key
   * @param {boolean} [force] open even with unsaved changes (the editor agreed already)
   */
  function open(key, force) {
    if (!force && !app.confirmLeave()) {
      return Promise.resolve();
    }
    return app
      .call("GET", entryPath(key))
      .then((entry) => {
        const same = state.current && state.current.key === key;
        show(entry, same ? state.sub : "edit");
      })
      .catch(app.failed);
  }

  /**
   * @param {any} entry the api's entry
   * @param {string} sub the pane to show
   */
  function show(entry, sub) {
    const key = asText(entry.key);
    if (!state.current || state.current.key !== key) {
      state.picked = [];
      state.versions = [];
    }
    state.current = {
      key,
      kind: asText(entry.kind) || kindOfKey(key),
      entry,
      base: typeof entry.latest_version === "number" ? entry.latest_version : 0,
    };
    placeholder.hidden = true;
    view.hidden = false;
    const latest = latestOf(entry);
    title.textContent = keyLabel(key) + (latest && titleOf(latest.content) ? " " + titleOf(latest.content) : "");
    const parts = [KIND_LABELS[state.current.kind] || state.current.kind, key];
    parts.push(entry.published_version ? "线上第" + entry.published_version + "版" : "还没发布");
    if (entry.draft) {
      parts.push("草稿第" + entry.latest_version + "版待发布");
    }
    if (entry.published && entry.published.retired) {
      parts.push("已退役");
    }
    byId("ga-entry-state").textContent = parts.join(" · ");
    for (const tab of subTabs) {
      tab.disabled = false;
    }
    renderPublished(entry);
    renderForm(latest, entry);
    app.list.render();
    switchSub(sub || "edit", false);
    app.setAddress();
  }

  /** @param {any} entry */
  function renderPublished(entry) {
    const fields = byId("ga-published-fields");
    const meta = byId("ga-published-meta");
    clear(fields);
    byId("ga-published").hidden = !(state.current && state.current.key);
    const published = entry && entry.published;
    if (!published) {
      meta.textContent = "这一条还没有发布过，工友现在看不到。";
      return;
    }
    const parts = ["第" + published.version + "版"];
    if (published.published_by) {
      parts.push(asText(published.published_by) + " 发布");
    }
    if (published.published_at) {
      parts.push(when(published.published_at));
    }
    if (published.effective_date) {
      parts.push("生效日期 " + asText(published.effective_date));
    }
    if (published.retired) {
      parts.push("已退役（工友看不到）");
    }
    meta.textContent = parts.join(" · ");
    const kind = /** @type {import("./admin.js").OpenEntry} */ (state.current).kind;
    const content = published.content || {};
    /** @type {[string, string, import("./admin-model.js").FieldSpec?][]} */
    const rows = (SHOWN_ONLY[kind] || []).map(([name, label]) => [name, label, undefined]);
    for (const spec of FIELDS[kind] || []) {
      rows.push([spec.name, spec.label.replace(/（.*$/, ""), spec]);
    }
    for (const [name, label, spec] of rows) {
      const value = content[name];
      let text = spec ? fieldValue(spec, value) : asText(value);
      if (spec && spec.type === "numbers") {
        text = asList(value)
          .map((n) => "第（" + chineseNumber(n) + "）项")
          .join("、");
      }
      fields.appendChild(el("dt", "", label));
      fields.appendChild(el("dd", "ga-value ga-value-" + name, text || "—"));
    }
  }

  /**
   * One field of the form, with a character counter when it has a limit.
   * @param {import("./admin-model.js").FieldSpec} spec
   * @param {unknown} value
   */
  function field(spec, value) {
    const wrap = el("label", "ga-field");
    const head = el("span", "ga-label", spec.label);
    wrap.appendChild(head);
    /** @type {HTMLInputElement | HTMLTextAreaElement} */
    let input;
    if (spec.type === "text" || spec.type === "lines") {
      const area = /** @type {HTMLTextAreaElement} */ (el("textarea", "gc-input"));
      area.rows = spec.rows || 4;
      input = area;
    } else {
      const line = /** @type {HTMLInputElement} */ (el("input", "gc-input"));
      line.type = "text";
      line.autocomplete = "off";
      input = line;
    }
    input.id = "ga-f-" + spec.name;
    input.name = spec.name;
    input.value = fieldValue(spec, value);
    wrap.appendChild(input);
    const max = spec.max;
    if (max) {
      const counter = el("span", "ga-count");
      const update = () => {
        const n = input.value.trim().length;
        counter.textContent = n + " / " + max + " 字";
        counter.classList.toggle("ga-over", n > max);
      };
      input.addEventListener("input", update);
      update();
      head.appendChild(counter);
    }
    state.inputs[spec.name] = input;
    return wrap;
  }

  /**
   * @param {any} latest the version the form shows (the draft if any)
   * @param {any} entry
   */
  function renderForm(latest, entry) {
    const current = /** @type {import("./admin.js").OpenEntry} */ (state.current);
    const kind = current.kind;
    const content = (latest && latest.content) || {};
    state.inputs = {};
    clear(formFields);
    showFormError("");
    reloadButton.hidden = true;

    const draftNote = byId("ga-draft-note");
    const draft = entry && entry.draft;
    if (draft) {
      let text =
        "有未发布的草稿：第" + draft.version + "版，" + asText(draft.author) + " 于 " + when(draft.created_at) +
        " 保存" + (draft.note ? "（" + asText(draft.note) + "）" : "") + "。下面是草稿的内容，工友还看不到。";
      if (draft.retired) {
        text += "这份草稿会让这一条退役。";
      }
      draftNote.textContent = text;
    }
    draftNote.hidden = !draft;

    const fixed = byId("ga-fixed");
    if (kind === "item") {
      fixed.textContent =
        "序号 " + asText(content.marker) + " · 第 " + asText(content.part) + " 部分 " + asText(content.part_title) +
        "（文件原有的结构，不能改）";
    }
    fixed.hidden = kind !== "item";

    newIdField.hidden = !!current.key;
    byId("ga-form-title").textContent = current.key ? "修改（保存为草稿）" : "新增审定答复（保存为草稿）";
    for (const spec of FIELDS[kind] || []) {
      formFields.appendChild(field(spec, content[spec.name]));
    }

    effectiveBox.value = latest && latest.effective_date ? asText(latest.effective_date).slice(0, 10) : "";
    noteBox.value = "";
    retireButton.hidden = !(current.key && RETIRABLE[kind] && !(latest && latest.retired));
    publishOneButton.hidden = !draft;
    saveButton.disabled = false;
    state.dirty = false;
  }

  /**
   * The form → the entry's content; FormError for what the editor must fix first.
   * @returns {Record<string, unknown>}
   */
  function collect() {
    const current = /** @type {import("./admin.js").OpenEntry} */ (state.current);
    const kind = current.kind;
    const base = current.entry ? latestOf(current.entry) : null;
    /** @type {Record<string, unknown>} */
    const content = {};
    for (const [name] of SHOWN_ONLY[kind] || []) {
      content[name] = base && base.content ? base.content[name] : undefined;
    }
    for (const spec of FIELDS[kind] || []) {
      const input = state.inputs[spec.name];
      const value = input ? input.value : "";
      if (spec.type === "lines") {
        content[spec.name] = value
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter(Boolean);
      } else if (spec.type === "numbers") {
        const tokens = value.split(/[\s,，、;；]+/).filter(Boolean);
        if (tokens.some((token) => !/^\d{1,4}$/.test(token))) {
          throw new FormError("引用的政策条目要写成数字，用逗号隔开，如 3, 6", input);
        }
        content[spec.name] = tokens.map((token) => parseInt(token, 10));
      } else if (spec.type === "line") {
        content[spec.name] = value.trim();
      } else {
        content[spec.name] = value;
      }
    }
    return content;
  }

  /** @param {string} text */
  function showFormError(text) {
    formError.textContent = text;
    formError.hidden = !text;
  }

  /**
   * A refused save, retire or publish of the open entry: the form keeps what was typed.
   * @param {import("./api.js").Result} result
   */
  function refused(result) {
    if (result.status === 401) {
      app.sessionExpired();
      return;
    }
    if (result.status === 409 && !(state.current && !state.current.key)) {
      showFormError(TEXT.conflict);
      reloadButton.hidden = false;
      return;
    }
    showFormError(result.status === 409 ? detailOf(result, TEXT.conflict) : errorText(result, FAILURES));
  }

  function save() {
    const current = state.current;
    if (!current || state.saving) {
      return;
    }
    let content;
    try {
      content = collect();
    } catch (err) {
      if (err instanceof FormError) {
        showFormError(err.message);
        if (err.input) {
          err.input.focus();
        }
        return;
      }
      throw err;
    }
    let key = current.key;
    if (!key) {
      const id = newIdBox.value.trim();
      if (!ANSWER_ID.test(id)) {
        showFormError("编号只能用英文小写字母、数字和下划线，以字母开头，2 到 60 个字符，如 wages_overtime");
        newIdBox.focus();
        return;
      }
      key = "answer:" + id;
    }
    const body = {
      content,
      base_version: current.base,
      note: noteBox.value.trim(),
      effective_date: effectiveBox.value || null,
    };
    state.saving = true;
    saveButton.disabled = true;
    showFormError("");
    // The raw request: a refusal is shown in the form (with the text kept), not in the notice bar.
    request("PUT", entryPath(key, "draft"), body)
      .then((result) => {
        if (!result.ok) {
          refused(result);
          return;
        }
        const entry = result.data || {};
        state.dirty = false;
        show(entry, "edit");
        app.notify("已保存草稿（第" + asText(entry.latest_version) + "版）。发布后工友才能看到。");
        if (state.kind !== "answer" && kindOfKey(key) === "answer") {
          app.list.setKind("answer");
        } else {
          app.list.load();
        }
        app.drafts.load();
      })
      .finally(() => {
        state.saving = false;
        saveButton.disabled = false;
      });
  }

  function reload() {
    const current = state.current;
    if (!current || !current.key) {
      return;
    }
    if (!window.confirm("会用别人刚保存的内容替换你现在的修改。需要的话，先把你的修改复制下来。确定载入吗？")) {
      return;
    }
    state.dirty = false;
    open(current.key, true);
  }

  function retire() {
    const current = state.current;
    if (!current || !current.key) {
      return;
    }
    const question =
      "确定让“" + title.textContent + "”退役吗？\n" +
      "退役会先存为草稿，发布后工友就再也看不到这一条。" +
      (state.dirty ? "\n你没保存的修改会被丢掉。" : "");
    if (!window.confirm(question)) {
      return;
    }
    request("POST", entryPath(current.key, "retire"), { base_version: current.base, note: noteBox.value.trim() }).then(
      (result) => {
        if (!result.ok) {
          refused(result);
          return;
        }
        state.dirty = false;
        show(result.data || {}, "edit");
        app.notify("已存为退役草稿，发布后生效。");
        app.list.load();
        app.drafts.load();
      },
    );
  }

  function publishOne() {
    const current = state.current;
    if (!current || !current.key) {
      return;
    }
    if (state.dirty) {
      showFormError("你还有没保存的修改：先点“保存草稿”，再发布。");
      return;
    }
    const draft = current.entry && current.entry.draft;
    if (!draft) {
      return;
    }
    // The version shown in the form: a newer draft saved meanwhile is refused, not published unseen.
    app.drafts.publish({ [current.key]: Number(draft.version) }, noteBox.value.trim());
  }

  /**
   * @param {string} name edit, history or audit
   * @param {boolean} focus
   */
  function switchSub(name, focus) {
    state.sub = name;
    selectTab(subTabs, (tab) => tab.getAttribute("data-sub") === name, focus);
    for (const [key, pane] of Object.entries(panes)) {
      pane.hidden = key !== name;
    }
    if (name === "history") {
      app.history.load();
    } else if (name === "audit") {
      app.audit.loadEntry();
    }
  }

  /** @param {string} question the first question, from the quality dashboard's link */
  function startNew(question) {
    state.current = { key: null, kind: "answer", entry: null, base: 0 };
    state.picked = [];
    state.versions = [];
    placeholder.hidden = true;
    view.hidden = false;
    title.textContent = "新增审定答复";
    byId("ga-entry-state").textContent = "保存后是草稿，发布后工友才能看到";
    switchSub("edit", false);
    // History and audit come with the first save.
    for (const tab of subTabs) {
      tab.disabled = tab.getAttribute("data-sub") !== "edit";
    }
    renderPublished(null);
    renderForm(question ? { content: { questions: [question] } } : null, null);
    newIdBox.value = newAnswerId();
    app.list.render();
    const first = state.inputs.topic;
    if (first) {
      first.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  form.addEventListener("input", () => {
    state.dirty = true;
  });
  form.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "s" || event.key === "Enter")) {
      event.preventDefault();
      save();
    }
  });
  reloadButton.addEventListener("click", reload);
  retireButton.addEventListener("click", retire);
  publishOneButton.addEventListener("click", publishOne);

  const hasKey = () => !!(state.current && state.current.key);
  for (const tab of subTabs) {
    tab.addEventListener("click", () => {
      if (hasKey()) {
        switchSub(tab.getAttribute("data-sub") || "edit", false);
      }
    });
  }
  arrowTabs(subTabs, (next) => {
    if (hasKey()) {
      switchSub(next.getAttribute("data-sub") || "edit", true);
    }
  });

  byId("ga-new-answer").addEventListener("click", () => {
    if (!app.confirmLeave()) {
      return;
    }
    if (window.location.pathname !== NEW_ANSWER_PATH) {
      window.history.replaceState(null, "", NEW_ANSWER_PATH);
    }
    startNew("");
    if (state.kind !== "answer") {
      app.list.setKind("answer");
    }
  });

  return {
    open,
    startNew,
    /** @param {string} text */
    showFormError,
    title: () => title.textContent || "",
    publishButton: publishOneButton,
  };
}
