/*
 * The console's lists on the left: one button per row, the open one marked, and the rows
 * of conversations (the queue and 会话 show the same row with a different detail).
 */
import { asText, clear, cssEscape, el } from "./dom.js";
import { channelLabel, codeNode } from "./console-labels.js";
import { STATUS_LABELS } from "./console-texts.js";

/**
 * Replaces a list's rows, keeping the focus on the row that had it (lists refresh by timer).
 * @template T
 * @param {HTMLElement} list
 * @param {HTMLElement} empty shown when there are no rows
 * @param {T[]} items
 * @param {(item: T) => HTMLElement} render a button with data-key
 * @param {string} currentKey the open row's key
 */
export function fillList(list, empty, items, render, currentKey) {
  const active = /** @type {HTMLElement | null} */ (document.activeElement);
  const focused = active && list.contains(active) ? active.getAttribute("data-key") : null;
  clear(list);
  for (const item of items) {
    const li = el("li", "gc-row");
    li.appendChild(asRow(render(item), currentKey));
    list.appendChild(li);
  }
  empty.hidden = items.length > 0;
  if (focused) {
    const again = /** @type {HTMLElement | null} */ (
      list.querySelector('.gc-item[data-key="' + cssEscape(focused) + '"]')
    );
    if (again) {
      again.focus();
    }
  }
}

/**
 * A rendered button made a row of its list.
 * @param {HTMLElement} button
 * @param {string} currentKey
 */
export function asRow(button, currentKey) {
  button.classList.add("gc-item");
  /** @type {HTMLButtonElement} */ (button).type = "button";
  if (currentKey && button.getAttribute("data-key") === currentKey) {
    button.classList.add("gc-current");
    button.setAttribute("aria-current", "true");
  }
  return button;
}

/** @param {any} item a conversation */
function statusChip(item) {
  const status = asText(item.status);
  let text = STATUS_LABELS[status] || status;
  if (status === "staff" && item.taken_by) {
    text = asText(item.taken_by) + " 已接入";
  }
  return el("span", "gc-chip gc-status-" + (STATUS_LABELS[status] ? status : "other"), text);
}

/**
 * "web:3f2a…" → "3f2a…": the id without its channel, cut to fit a row.
 * @param {unknown} id
 */
function shortId(id) {
  const text = asText(id);
  const colon = text.indexOf(":");
  const rest = colon >= 0 ? text.slice(colon + 1) : text;
  return rest.length > 14 ? rest.slice(0, 12) + "…" : rest;
}

/**
 * A conversation's row: channel, id, status, then `extra` (wait or time); reason, topic, last text.
 * @param {any} item
 * @param {(top: HTMLElement) => void} extra
 * @param {(id: string) => void} open
 */
export function conversationRow(item, extra, open) {
  const id = asText(item.id);
  const button = el("button", "gc-conv-item");
  button.setAttribute("data-key", id);
  const top = el("span", "gc-line");
  const channel = el("span", "gc-chip gc-channel", channelLabel(item.channel));
  channel.title = asText(item.channel);
  top.appendChild(channel);
  const name = el("span", "gc-id", shortId(id));
  name.title = id;
  top.appendChild(name);
  top.appendChild(statusChip(item));
  extra(top);
  button.appendChild(top);
  const bottom = el("span", "gc-line gc-sub");
  if (item.reason && item.status !== "bot") {
    bottom.appendChild(codeNode("span", "gc-reason", "reasons", item.reason));
  }
  if (item.topic) {
    bottom.appendChild(codeNode("span", "gc-topic", "intents", item.topic));
  }
  bottom.appendChild(el("span", "gc-last", asText(item.last_text)));
  button.appendChild(bottom);
  button.addEventListener("click", () => open(id));
  return button;
}
