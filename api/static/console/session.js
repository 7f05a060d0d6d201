/*
 * The signed-in member of staff: who it is, the header's name line, and leaving for the
 * login page (once, however many requests notice the ended session at the same time).
 */
import { asText, byId } from "./dom.js";
import { request } from "./api.js";

export const LOGIN_PATH = "/console/login";
export const CONSOLE_PATH = "/console";
export const ROLE_LABELS = { staff: "工作人员", editor: "编辑", admin: "管理员" };
/** Higher can do more: an admin does all an editor does. */
export const ROLE_RANK = { staff: 0, editor: 1, admin: 2 };

/** @typedef {{username: string, role: string}} Me */

let leaving = false;

const RETURN_KEY = "gc-after-login";

/**
 * To the login page, once.
 * @param {boolean} [comeBack] signing in brings the user back to this page (login.js);
 *   false after signing out on purpose
 */
export function goToLogin(comeBack = true) {
  if (!leaving) {
    leaving = true;
    try {
      if (comeBack) {
        const here = window.location.pathname + window.location.search + window.location.hash;
        window.sessionStorage.setItem(RETURN_KEY, here);
      } else {
        window.sessionStorage.removeItem(RETURN_KEY);
      }
    } catch {
      // storage refused (private mode): the console's first tab after signing in
    }
    window.location.replace(LOGIN_PATH);
  }
}

/** Where signing in goes: the console page the user was sent away from, else the console. */
export function afterLogin() {
  let back = "";
  try {
    back = window.sessionStorage.getItem(RETURN_KEY) || "";
    window.sessionStorage.removeItem(RETURN_KEY);
  } catch {
    back = "";
  }
  // Only a page of the console itself: never another site, never the login page again.
  const ours = /^\/console(\/admin(\/answers\/new)?|\/accounts)?(\?[^#]*)?(#.*)?$/.test(back);
  return ours ? back : CONSOLE_PATH;
}

/**
 * The /api/auth/me answer as a Me, shown in the header as "name（角色）".
 * @param {any} data
 * @returns {Me}
 */
export function showMe(data) {
  const me = { username: asText(data.username), role: asText(data.role) };
  byId("gc-me").textContent = me.username + "（" + (ROLE_LABELS[me.role] || me.role) + "）";
  return me;
}

/**
 * The header's 退出 button: signs out, then to the login page.
 * @param {() => boolean} [mayLeave] false keeps the page (the user chose to stay)
 */
export function wireLogout(mayLeave = () => true) {
  const button = byId("gc-logout");
  button.addEventListener("click", () => {
    if (mayLeave()) {
      request("POST", "/api/auth/logout", {}).finally(() => goToLogin(false));
    }
  });
  // The page ships it disabled: a click before the modules have loaded would do nothing.
  button.disabled = false;
}

/**
 * The address's "#name/rest" (rest decoded; "" when absent or not decodable).
 * @returns {{name: string, open: string}}
 */
export function readHash() {
  const hash = window.location.hash.replace(/^#/, "");
  const slash = hash.indexOf("/");
  const name = slash >= 0 ? hash.slice(0, slash) : hash;
  let open = "";
  try {
    open = slash >= 0 ? decodeURIComponent(hash.slice(slash + 1)) : "";
  } catch {
    open = "";
  }
  return { name, open };
}
