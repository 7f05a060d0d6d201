/*
 * The login page: the form is sent as JSON (the api takes nothing else), so the password
 * never ends up in an address or a browser's form history of posted pages.
 */
import { byId } from "./dom.js";
import { detailOf, errorText, request } from "./api.js";
import { afterLogin } from "./session.js";
import { FAILURES } from "./console-texts.js";

const TEXT = {
  failed: "用户名或密码不对",
  empty: "请填写用户名和密码",
  tooMany: "登录失败次数太多，请一分钟后再试",
};

const form = byId("gc-login-form");
const username = /** @type {HTMLInputElement} */ (byId("gc-username"));
const password = /** @type {HTMLInputElement} */ (byId("gc-password"));
const error = byId("gc-login-error");
const submit = /** @type {HTMLButtonElement} */ (byId("gc-login-submit"));
let busy = false;

/** @param {string} text */
function showError(text) {
  error.textContent = text;
  error.hidden = !text;
}

/** @param {import("./api.js").Result} result */
function refusal(result) {
  switch (result.status) {
    case 401:
      return TEXT.failed;
    case 429:
      return detailOf(result, TEXT.tooMany);
    case 422:
      return TEXT.empty;
    default:
      return errorText(result, FAILURES);
  }
}

// Signed in already (another tab): straight on to the console (or the page that sent us here).
request("GET", "/api/auth/me").then((result) => {
  if (result.ok) {
    window.location.replace(afterLogin());
  }
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (busy) {
    return;
  }
  const name = username.value.trim();
  if (!name || !password.value) {
    showError(TEXT.empty);
    (name ? password : username).focus();
    return;
  }
  busy = true;
  submit.disabled = true;
  showError("");
  request("POST", "/api/auth/login", { username: name, password: password.value })
    .then((result) => {
      if (result.ok) {
        window.location.replace(afterLogin());
        return;
      }
      showError(refusal(result));
      password.value = "";
      password.focus();
    })
    .finally(() => {
      busy = false;
      submit.disabled = false;
    });
});
