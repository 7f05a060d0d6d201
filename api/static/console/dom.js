/*
 * Building the page from data: elements get their text through textContent only, so
 * nothing the server sends is ever read as HTML (the pages also forbid inline script).
 * And the defensive readers for the api's JSON: a missing or odd value becomes "" or [].
 */

/** @param {string} id */
export function byId(id) {
  return document.getElementById(id);
}

/**
 * An element with an optional class and text.
 * @param {string} tag
 * @param {string} [className]
 * @param {unknown} [text]
 * @returns {HTMLElement}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  return node;
}

/** @param {Node} node */
export function clear(node) {
  while (node.firstChild) {
    node.removeChild(node.firstChild);
  }
}

/**
 * A value for a CSS attribute selector (keys come from the server).
 * @param {string} value
 */
export function cssEscape(value) {
  return window.CSS && window.CSS.escape ? window.CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
}

/**
 * Marks the row whose data-key is `key` as the current one (class and aria-current).
 * @param {Iterable<Element>} rows
 * @param {string} key
 */
export function markCurrent(rows, key) {
  for (const row of rows) {
    const on = row.getAttribute("data-key") === key;
    row.classList.toggle("gc-current", on);
    if (on) {
      row.setAttribute("aria-current", "true");
    } else {
      row.removeAttribute("aria-current");
    }
  }
}

/**
 * @param {unknown} value
 * @returns {any[]}
 */
export function asList(value) {
  return Array.isArray(value) ? value : [];
}

/**
 * @param {unknown} value
 * @returns {string}
 */
export function asText(value) {
  if (typeof value === "string") {
    return value;
  }
  return value === undefined || value === null ? "" : String(value);
}

/**
 * A finite number (NaN and Infinity are not figures to show).
 * @param {unknown} value
 * @returns {value is number}
 */
export function isNumber(value) {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * A plain object from the JSON, or an empty one.
 * @param {unknown} value
 * @returns {Record<string, any>}
 */
export function asObject(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? /** @type {any} */ (value) : {};
}
