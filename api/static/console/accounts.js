/*
 * 账号: everyone changes their own password here; admins also see every account, change
 * its role, deactivate or reactivate it, sign it out everywhere, reset its password, and
 * read the accounts' audit trail. Each change takes effect at the account's next request.
 *
 * Text from the server goes in with textContent only; no inline styles or handlers
 * (strict CSP); requests are JSON with the HttpOnly session cookie (api.js).
 */
import { sessionCaller } from "./api.js";
import { asList, asText, byId, clear, el } from "./dom.js";
import { fullTime } from "./format.js";
import { createNotice } from "./notice.js";
import { ROLE_LABELS, goToLogin, showMe, wireLogout } from "./session.js";
import { FAILURES } from "./console-texts.js";

const API = "/api/admin/accounts";
const ROLES = ["staff", "editor", "admin"];
const ACTION_LABELS = {
  create: "创建",
  password: "本人改密码",
  reset: "重设密码",
  role: "改角色",
  deactivate: "停用",
  reactivate: "启用",
  revoke: "退出所有登录",
  lockout: "登录暂停",
  view_contact: "查看电话",
};
const TEXT = {
  mismatch: "两次输入的新密码不一样",
  changed: "密码已修改，其他地方的登录已退出",
  reset: "已重设密码，对方的登录已全部退出",
  confirmDeactivate: "停用账号 {name}？对方会立刻退出，之后不能再登录。",
  confirmRevoke: "让 {name} 在所有地方退出登录？",
  deactivated: "已停用 {name}",
  reactivated: "已启用 {name}",
  revoked: "{name} 的 {n} 个登录已退出",
  role: "{name} 现在是{role}",
};

/** @type {import("./api.js").FailureTexts} */
const TEXTS = {
  ...FAILURES,
  byStatus: {
    ...FAILURES.byStatus,
    400: { text: "没有改成", detail: true },
    403: { text: "没有权限做这件事", detail: true },
    409: { text: "不能这样改", detail: true },
    429: { text: "操作太频繁，请稍后再试", detail: true },
  },
};

/**
 * @param {string} template
 * @param {Record<string, string | number>} values
 */
function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

const notice = createNotice(byId("gc-notice"), { ms: 8000, serverText: FAILURES.server });
const call = sessionCaller({ texts: TEXTS, signedOut: () => goToLogin() });
/** @type {import("./session.js").Me} */
let me = { username: "", role: "" };

/**
 * A small button for one account's row.
 * @param {string} text
 * @param {string} action
 * @param {string} username
 */
function rowButton(text, action, username) {
  const button = /** @type {HTMLButtonElement} */ (el("button", "gc-button gc-quiet", text));
  button.type = "button";
  button.setAttribute("data-action", action);
  button.setAttribute("data-user", username);
  return button;
}

/**
 * @param {string} username
 * @param {string} role
 */
function roleSelect(username, role) {
  const select = /** @type {HTMLSelectElement} */ (el("select", "gc-input"));
  select.setAttribute("aria-label", username + " 的角色");
  select.setAttribute("data-user", username);
  for (const value of ROLES) {
    const option = /** @type {HTMLOptionElement} */ (el("option", "", ROLE_LABELS[value]));
    option.value = value;
    option.selected = value === role;
    select.appendChild(option);
  }
  return select;
}

/** @param {any[]} items */
function renderAccounts(items) {
  const body = byId("gk-accounts-body");
  clear(body);
  for (const item of items) {
    const name = asText(item.username);
    const row = el("tr", "gk-account");
    row.setAttribute("data-user", name);
    row.appendChild(el("td", "gk-name", name));
    const roleCell = el("td");
    roleCell.appendChild(roleSelect(name, asText(item.role)));
    row.appendChild(roleCell);
    row.appendChild(el("td", "gk-state", item.active ? "启用" : "停用"));
    row.appendChild(el("td", "gk-sessions", String(Number(item.sessions) || 0)));
    row.appendChild(el("td", "gk-seen", item.last_seen ? fullTime(item.last_seen, false) : ""));
    const actions = el("td", "gk-actions");
    actions.appendChild(
      item.active ? rowButton("停用", "deactivate", name) : rowButton("启用", "reactivate", name),
    );
    actions.appendChild(rowButton("退出所有登录", "revoke", name));
    row.appendChild(actions);
    body.appendChild(row);
  }
}

/** @param {any[]} items */
function renderAudit(items) {
  const body = byId("gk-audit-body");
  clear(body);
  for (const item of items) {
    const row = el("tr");
    row.appendChild(el("td", "", fullTime(item.at, false)));
    row.appendChild(el("td", "", asText(item.actor)));
    row.appendChild(el("td", "", ACTION_LABELS[asText(item.action)] || asText(item.action)));
    row.appendChild(el("td", "", asText(item.username)));
    row.appendChild(el("td", "", asText(item.note)));
    body.appendChild(row);
  }
}

function loadAdmin() {
  call("GET", API)
    .then((data) => renderAccounts(asList(data.items)))
    .catch(notice.failed);
  call("GET", API + "/audit")
    .then((data) => renderAudit(asList(data.items)))
    .catch(notice.failed);
}

/**
 * One change to an account, then the list again.
 * @param {string} path
 * @param {unknown} body
 * @param {(data: any) => string} said
 */
function change(path, body, said) {
  call("POST", path, body)
    .then((data) => notice.show(said(data)))
    .catch(notice.failed)
    .finally(loadAdmin);
}

function wireAdmin() {
  const body = byId("gk-accounts-body");
  body.addEventListener("click", (event) => {
    const button = /** @type {HTMLElement} */ (event.target).closest("button[data-action]");
    if (!button) {
      return;
    }
    const name = button.getAttribute("data-user") || "";
    const action = button.getAttribute("data-action");
    const path = API + "/" + encodeURIComponent(name);
    if (action === "deactivate" && window.confirm(fill(TEXT.confirmDeactivate, { name }))) {
      change(path, { active: false }, () => fill(TEXT.deactivated, { name }));
    } else if (action === "reactivate") {
      change(path, { active: true }, () => fill(TEXT.reactivated, { name }));
    } else if (action === "revoke" && window.confirm(fill(TEXT.confirmRevoke, { name }))) {
      change(path + "/sessions/end", {}, (data) => fill(TEXT.revoked, { name, n: Number(data.ended) || 0 }));
    }
  });
  body.addEventListener("change", (event) => {
    const select = /** @type {HTMLSelectElement} */ (event.target);
    const name = select.getAttribute("data-user") || "";
    const role = select.value;
    change(API + "/" + encodeURIComponent(name), { role }, () =>
      fill(TEXT.role, { name, role: ROLE_LABELS[role] || role }),
    );
  });
  byId("gk-reset-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const user = /** @type {HTMLInputElement} */ (byId("gk-reset-user"));
    const password = /** @type {HTMLInputElement} */ (byId("gk-reset-password"));
    const path = API + "/" + encodeURIComponent(user.value.trim().toLowerCase()) + "/password";
    call("POST", path, { new_password: password.value })
      .then(() => {
        password.value = "";
        notice.show(TEXT.reset);
      })
      .catch(notice.failed)
      .finally(loadAdmin);
  });
  byId("gk-admin").hidden = false;
  loadAdmin();
}

byId("gk-own-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const old = /** @type {HTMLInputElement} */ (byId("gk-old"));
  const fresh = /** @type {HTMLInputElement} */ (byId("gk-new"));
  const again = /** @type {HTMLInputElement} */ (byId("gk-again"));
  if (fresh.value !== again.value) {
    notice.show(TEXT.mismatch, "error");
    return;
  }
  call("POST", "/api/auth/password", { old_password: old.value, new_password: fresh.value })
    .then(() => {
      old.value = fresh.value = again.value = "";
      notice.show(TEXT.changed);
    })
    .catch(notice.failed);
});

wireLogout();
call("GET", "/api/auth/me")
  .then((data) => {
    me = showMe(data);
    byId("gk-main").hidden = false;
    if (me.role === "admin") {
      wireAdmin();
    }
  })
  .catch(notice.failed);
