/*
 * The changes between two versions of an entry, as the api's unified diff, one element a
 * line so that added and removed lines are coloured by class.
 */
import { asText, clear, el } from "./dom.js";
import { entryPath } from "./admin-model.js";

/** @param {string} line */
function lineKind(line) {
  if (line.startsWith("+++") || line.startsWith("---")) {
    return "ga-diff-file";
  }
  if (line.startsWith("@@")) {
    return "ga-diff-hunk";
  }
  if (line.startsWith("+")) {
    return "ga-diff-add";
  }
  return line.startsWith("-") ? "ga-diff-del" : "ga-diff-same";
}

/**
 * @param {HTMLElement} pre
 * @param {string} text
 */
export function renderDiff(pre, text) {
  clear(pre);
  if (!text) {
    pre.appendChild(el("span", "ga-diff-line", "两个版本的内容一样。"));
    return;
  }
  for (const line of text.split("\n")) {
    pre.appendChild(el("span", "ga-diff-line " + lineKind(line), line));
  }
}

/**
 * Fetches and shows the changes from version a to b.
 * @param {(method: string, path: string) => Promise<any>} call
 * @param {string} key
 * @param {number} a
 * @param {number} b
 * @param {HTMLElement} pre
 * @param {HTMLElement | null} title gets "第a版 → 第b版 的改动" when given
 */
export function showDiff(call, key, a, b, pre, title) {
  return call("GET", entryPath(key, "diff") + "?a=" + a + "&b=" + b).then((data) => {
    if (title) {
      title.textContent = "第" + a + "版 → 第" + b + "版 的改动（+ 新增，- 删除）";
    }
    renderDiff(pre, asText(data.diff));
  });
}
