/*
 * The bar under the header that says what just happened (or went wrong), then goes away.
 */
import { ApiError } from "./api.js";

/**
 * @param {HTMLElement} node the #gc-notice element
 * @param {{ms: number, serverText: string}} options how long a notice stays; the text for an unexpected error
 */
export function createNotice(node, { ms, serverText }) {
  /** @type {number | null} */
  let timer = null;

  /**
   * @param {string} text
   * @param {"error"} [kind] errors are announced at once (role=alert)
   */
  function show(text, kind) {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    node.textContent = text;
    node.hidden = !text;
    node.className = "gc-notice" + (kind === "error" ? " gc-notice-error" : "");
    node.setAttribute("role", kind === "error" ? "alert" : "status");
    if (text) {
      timer = setTimeout(() => {
        node.hidden = true;
      }, ms);
    }
  }

  /**
   * The catch-all for a promise chain: an api refusal is shown; a 401 says nothing (the
   * page is leaving or keeps the user's text); a bug is shown as a server error and logged.
   * @param {unknown} err
   */
  function failed(err) {
    if (err instanceof ApiError) {
      if (err.status !== 401) {
        show(err.message, "error");
      }
    } else {
      show(serverText, "error");
      window.console.error(err);
    }
  }

  return { show, failed };
}
