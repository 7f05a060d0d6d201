/*
 * 工友助手 knowledge administration, for the office's editors: entries by kind, drafts,
 * publishing, history with diffs and rollback, the audit log, new approved answers.
 *
 * The workflow is safe by design: an edit is saved as a draft (workers see nothing yet);
 * publishing is a separate, confirmed step; a stale edit (someone saved meanwhile) is
 * refused by the api and the editor's text stays in the form. Every text from the server
 * is put in the page with textContent, never as HTML; no inline styles or handlers (strict
 * CSP). State-changing requests are JSON; the session is an HttpOnly cookie.
 */
import { sessionCaller } from "./api.js";
import { byId } from "./dom.js";
import { arrowTabs, selectTab } from "./keys.js";
import { createNotice } from "./notice.js";
import { ROLE_RANK, goToLogin, readHash, showMe, wireLogout } from "./session.js";
import { ADMIN_PATH, FAILURES, FIELDS, NEW_ANSWER_PATH, TEXT, kindOfKey } from "./admin-model.js";
import { createAudit } from "./admin-audit.js";
import { createDrafts } from "./admin-drafts.js";
import { createEntry } from "./admin-entry.js";
import { createHistory } from "./admin-history.js";
import { createList } from "./admin-list.js";

// What the parts share (filled in below; the parts read it only when they act, never at load).
/**
 * @typedef {object} OpenEntry
 * @property {string | null} key  null for a new answer not saved yet
 * @property {string} kind
 * @property {any} entry  the api's entry (null for a new answer)
 * @property {number} base  the version the form was loaded from: sent back for optimistic locking
 */

/**
 * @typedef {object} AdminState
 * @property {import("./session.js").Me} me
 * @property {string} tab   entries, drafts or audit
 * @property {string} kind  the kind listed
 * @property {any[]} entries
 * @property {any[]} drafts
 * @property {OpenEntry | null} current
 * @property {string} sub   the open entry's pane: edit, history or audit
 * @property {Record<string, HTMLInputElement | HTMLTextAreaElement>} inputs  the form's fields by name
 * @property {boolean} dirty  the form has changes not saved
 * @property {boolean} saving
 * @property {any[]} versions
 * @property {number[]} picked  the versions ticked for comparing (two at most)
 */

/**
 * @typedef {object} AdminApp
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} call
 * @property {(text: string, kind?: "error") => void} notify
 * @property {(err: unknown) => void} failed
 * @property {AdminState} state
 * @property {() => void} sessionExpired  signed out: keep typed text, or leave for the login
 * @property {() => void} showForbidden
 * @property {() => boolean} confirmLeave  true when nothing unsaved would be lost (or the editor agreed)
 * @property {() => void} setAddress
 * @property {(name: string, focus: boolean) => void} switchTab
 * @property {ReturnType<typeof import("./admin-list.js").createList>} list
 * @property {ReturnType<typeof import("./admin-entry.js").createEntry>} entry
 * @property {ReturnType<typeof import("./admin-history.js").createHistory>} history
 * @property {ReturnType<typeof import("./admin-audit.js").createAudit>} audit
 * @property {ReturnType<typeof import("./admin-drafts.js").createDrafts>} drafts
 */

const DRAFTS_POLL_MS = 30000;

const main = byId("ga-main");
const tabs = /** @type {HTMLElement[]} */ (Array.from(document.querySelectorAll(".gc-tab")));
const notice = createNotice(byId("gc-notice"), { ms: 8000, serverText: FAILURES.server });

/** @type {AdminState} */
const state = {
  me: { username: "", role: "" },
  tab: "entries",
  kind: "item",
  entries: [],
  drafts: [],
  current: null,
  sub: "edit",
  inputs: {},
  dirty: false,
  saving: false,
  versions: [],
  picked: [],
};

function leave() {
  state.dirty = false; // leaving on purpose: no "unsaved changes" question on the way out
  goToLogin();
}

/** @type {AdminApp} */
const app = /** @type {any} */ ({
  call: sessionCaller({ texts: FAILURES, signedOut: () => app.sessionExpired() }),
  notify: notice.show,
  failed: notice.failed,
  state,
  // Signed out while typing: keep the text, say how to go on; otherwise to the login page.
  sessionExpired() {
    if (state.dirty) {
      app.entry.showFormError(TEXT.expired);
    } else {
      leave();
    }
  },
  showForbidden() {
    state.dirty = false;
    main.hidden = true;
    byId("ga-forbidden").hidden = false;
  },
  confirmLeave: () => !state.dirty || window.confirm(TEXT.unsavedLeave),
  setAddress,
  switchTab,
});
app.list = createList(app);
app.entry = createEntry(app);
app.history = createHistory(app);
app.audit = createAudit(app);
app.drafts = createDrafts(app);

/** The address: #entries/<key>, #drafts, #audit (a new answer keeps the address it was opened with). */
function setAddress() {
  const current = state.current;
  if (state.tab === "entries" && current && !current.key) {
    return;
  }
  let hash = "#" + state.tab;
  if (state.tab === "entries" && current && current.key) {
    hash += "/" + encodeURIComponent(current.key);
  }
  const target = ADMIN_PATH + hash;
  if (window.location.pathname + window.location.hash === target) {
    return;
  }
  // Another tab is a step that Back undoes; the entry open within a tab only rewrites the address.
  const was = readHash().name;
  if (window.location.pathname === ADMIN_PATH && was && was !== state.tab) {
    window.history.pushState(null, "", target);
  } else {
    window.history.replaceState(null, "", target);
  }
}

/**
 * @param {string} name entries, drafts or audit
 * @param {boolean} focus
 */
function switchTab(name, focus) {
  state.tab = name;
  selectTab(tabs, (tab) => tab.getAttribute("data-tab") === name, focus);
  main.setAttribute("data-tab", name);
  byId("ga-panel-entries").hidden = name !== "entries";
  byId("ga-detail").hidden = name !== "entries";
  byId("ga-panel-drafts").hidden = name !== "drafts";
  byId("ga-panel-audit").hidden = name !== "audit";
  if (name === "drafts") {
    app.drafts.load();
  } else if (name === "audit") {
    app.audit.load();
  }
  setAddress();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => switchTab(tab.getAttribute("data-tab") || "entries", false));
}
arrowTabs(tabs, (next) => switchTab(next.getAttribute("data-tab") || "entries", true));

wireLogout(() => {
  if (!app.confirmLeave()) {
    return false;
  }
  state.dirty = false;
  return true;
});

window.addEventListener("beforeunload", (event) => {
  if (state.dirty) {
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  }
});

setInterval(() => {
  if (!document.hidden && !main.hidden) {
    app.drafts.load();
  }
}, DRAFTS_POLL_MS);

/** What the address asks for: a new answer (from the quality dashboard), a tab, or an entry. */
function start() {
  const path = window.location.pathname.replace(/\/+$/, "");
  const { name, open } = readHash();
  app.drafts.load();
  if (path === NEW_ANSWER_PATH) {
    const question = (new URLSearchParams(window.location.search).get("question") || "").trim().slice(0, 100);
    // The new answer first: the address keeps ?question= while it is not saved.
    app.entry.startNew(question);
    app.list.setKind("answer");
    switchTab("entries", false);
    return;
  }
  if (name === "drafts" || name === "audit") {
    app.list.setKind(state.kind);
    switchTab(name, false);
    return;
  }
  const kind = kindOfKey(open);
  switchTab("entries", false);
  app.list.setKind(open && FIELDS[kind] && kind !== "document" ? kind : "item");
  if (open) {
    app.entry.open(open, true);
  }
}

/** Back and Forward, or a link to another entry: show it, unless that would lose an edit. */
function followAddress() {
  const { name, open } = readHash();
  if (name === state.tab && (!open || (state.current && state.current.key === open))) {
    return; // the address already says what is shown
  }
  if (!app.confirmLeave()) {
    setAddress(); // stay on the edit, and say so in the address
    return;
  }
  state.dirty = false;
  if (name === "drafts" || name === "audit") {
    switchTab(name, false);
    return;
  }
  switchTab("entries", false);
  if (open) {
    const kind = kindOfKey(open);
    app.list.setKind(FIELDS[kind] && kind !== "document" ? kind : "item");
    app.entry.open(open, true);
  }
}
window.addEventListener("hashchange", followAddress);

app
  .call("GET", "/api/auth/me")
  .then((data) => {
    state.me = showMe(data);
    if ((ROLE_RANK[state.me.role] || 0) < ROLE_RANK.editor) {
      app.showForbidden();
      return;
    }
    main.hidden = false;
    start();
  })
  .catch(notice.failed);
