/*
 * 工友助手 staff console: the tabs (待接入, 会话, 案件, 知识检索, 质量), the keys, the timers,
 * and the start (who is signed in, the labels, then the tab in the address).
 *
 * Every text from the server is put in the page with textContent, never as HTML; no inline
 * styles or handlers (strict CSP). The session is an HttpOnly cookie the script never sees;
 * a 401 from any data request sends the page to the login.
 */
import { ApiError, sessionCaller } from "./api.js";
import { byId } from "./dom.js";
import { arrowTabs, selectTab } from "./keys.js";
import { createNotice } from "./notice.js";
import { goToLogin, readHash, showMe, wireLogout } from "./session.js";
import { useLabels } from "./console-labels.js";
import { FAILURES } from "./console-texts.js";
import { createCases } from "./console-cases.js";
import { createConversation } from "./console-conversation.js";
import { createConversations } from "./console-conversations.js";
import { createQuality } from "./console-quality.js";
import { createQueue } from "./console-queue.js";
import { createSearch } from "./console-search.js";

// What the parts share (filled in below; the parts read it only when they act, never at load).
/**
 * @typedef {object} ConsoleApp
 * @property {(method: string, path: string, body?: unknown) => Promise<any>} call
 * @property {(text: string, kind?: "error") => void} notify
 * @property {(err: unknown) => void} failed
 * @property {import("./session.js").Me} me
 * @property {() => void} setHash writes the open tab and item in the address
 * @property {ReturnType<typeof import("./console-queue.js").createQueue>} queue
 * @property {ReturnType<typeof import("./console-conversations.js").createConversations>} conversations
 * @property {ReturnType<typeof import("./console-conversation.js").createConversation>} conversation
 * @property {ReturnType<typeof import("./console-cases.js").createCases>} cases
 * @property {ReturnType<typeof import("./console-quality.js").createQuality>} quality
 */

const QUEUE_POLL_MS = 5000;
const CONVERSATION_POLL_MS = 3000;
const CONVERSATIONS_POLL_MS = 15000;

const main = byId("gc-main");
const tabs = /** @type {HTMLElement[]} */ (Array.from(document.querySelectorAll(".gc-tab")));
/** @type {Record<string, HTMLElement>} */
const panels = {
  queue: byId("gc-panel-queue"),
  conversations: byId("gc-panel-conversations"),
  cases: byId("gc-panel-cases"),
  search: byId("gc-panel-search"),
  quality: byId("gc-panel-quality"),
};
const conversationPane = byId("gc-conversation");
const casePane = byId("gc-case");
const notice = createNotice(byId("gc-notice"), { ms: 6000, serverText: FAILURES.server });
let tab = "queue";

/** @type {ConsoleApp} */
const app = /** @type {any} */ ({
  call: sessionCaller({ texts: FAILURES, signedOut: goToLogin }),
  notify: notice.show,
  failed: notice.failed,
  me: { username: "", role: "" },
  setHash,
});
app.queue = createQueue(app);
app.conversations = createConversations(app);
app.conversation = createConversation(app);
app.cases = createCases(app);
app.quality = createQuality(app);
const search = createSearch(app);

/** The address says the tab and what is open in it: #queue/<id>, #cases/<number>, #quality/30. */
function setHash() {
  const open =
    tab === "cases"
      ? app.cases.open()
      : tab === "quality"
        ? app.quality.period()
        : tab === "search"
          ? ""
          : app.conversation.id();
  const hash = "#" + tab + (open ? "/" + encodeURIComponent(open) : "");
  if (window.location.hash === hash) {
    return;
  }
  // Another tab is a step that Back undoes; what opens within a tab only rewrites the address.
  const was = readHash().name;
  if (was && panels[was] && was !== tab) {
    window.history.pushState(null, "", hash);
  } else {
    window.history.replaceState(null, "", hash);
  }
}

/**
 * @param {string} name
 * @param {boolean} focusTab move the focus to the tab (keyboard use of the tab list)
 */
function switchTab(name, focusTab) {
  if (!panels[name]) {
    return;
  }
  tab = name;
  main.setAttribute("data-tab", name);
  selectTab(tabs, (button) => button.getAttribute("data-tab") === name, focusTab);
  for (const [key, panel] of Object.entries(panels)) {
    panel.hidden = key !== name;
  }
  conversationPane.hidden = !(name === "queue" || name === "conversations");
  casePane.hidden = name !== "cases";
  if (name !== "cases") {
    app.cases.leave(); // a worker's phone is on screen only while its case is
  }
  if (name === "queue") {
    app.queue.refresh();
  } else if (name === "conversations") {
    app.conversations.refresh();
  } else if (name === "cases") {
    app.cases.refresh();
  } else if (name === "search" && !focusTab) {
    search.focus();
  } else if (name === "quality") {
    app.quality.refresh();
  }
  if (!conversationPane.hidden) {
    app.conversation.refresh();
  }
  setHash();
}

for (const button of tabs) {
  button.addEventListener("click", () => switchTab(button.getAttribute("data-tab") || "", false));
}
arrowTabs(tabs, (next) => switchTab(next.getAttribute("data-tab") || "", true));

// Alt+1…5 switch tabs anywhere; "/" goes to the tab's search box unless typing already.
document.addEventListener("keydown", (event) => {
  if (event.altKey && !event.ctrlKey && !event.metaKey && /^[1-5]$/.test(event.key)) {
    event.preventDefault();
    switchTab(tabs[parseInt(event.key, 10) - 1].getAttribute("data-tab") || "", false);
    return;
  }
  const target = /** @type {HTMLElement | null} */ (event.target);
  const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    const box = /** @type {HTMLInputElement | null} */ (panels[tab].querySelector("[data-search]"));
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  }
});

wireLogout();

// The queue whatever the tab; the open conversation and the 会话 list only while seen.
setInterval(app.queue.refresh.poll, QUEUE_POLL_MS);
setInterval(() => {
  if (!conversationPane.hidden && !document.hidden) {
    app.conversation.refresh.poll();
  }
}, CONVERSATION_POLL_MS);
setInterval(() => {
  if (tab === "conversations" && !document.hidden) {
    app.conversations.refresh.poll();
  }
}, CONVERSATIONS_POLL_MS);

/**
 * Show what the address asks for: the tab (待接入 when none) and what is open in it.
 * @returns {string} the tab shown
 */
function follow() {
  const asked = readHash();
  const name = panels[asked.name] ? asked.name : "queue";
  const open = asked.open;
  if (open && name === "cases") {
    app.cases.openLater(open);
  } else if (name === "quality") {
    app.quality.choose(open);
  } else if (open && (name === "queue" || name === "conversations")) {
    app.conversation.open(open);
  }
  switchTab(name, false);
  return name;
}

function start() {
  if (follow() !== "queue") {
    app.queue.refresh(); // the count in the tab, whatever is shown
  }
  // Back and Forward, and a link to another tab or conversation, change only the address.
  window.addEventListener("hashchange", follow);
}

// Who is signed in and the labels, together; the console shows codes if the labels fail.
const labelsLoaded = app.call("GET", "/api/console/labels").then(useLabels, (err) => {
  if (!(err instanceof ApiError && err.status === 401)) {
    notice.show("没能取到中文名称，暂时显示代码", "error");
  }
});
Promise.all([app.call("GET", "/api/auth/me"), labelsLoaded])
  .then(([data]) => {
    app.me = showMe(data);
    // Editors and admins also keep the knowledge: one click to its pages.
    byId("gc-admin-link").hidden = !(app.me.role === "editor" || app.me.role === "admin");
    app.conversations.fillFilters();
    main.hidden = false;
    start();
  })
  .catch(notice.failed);
