/*
 * The Chinese names of the codes the console shows (intents, handoff reasons, forms,
 * channels), from the api (api/labels.py, /api/console/labels) at start. A code not listed
 * is shown as it is, and stays the element's tooltip for support.
 */
import { asList, asText, el } from "./dom.js";

/** @typedef {"intents" | "reasons" | "forms" | "channels"} LabelKind */

/** @type {Record<LabelKind, Record<string, string>> & {topics: string[]}} */
const LABELS = { intents: {}, reasons: {}, forms: {}, channels: {}, topics: [] };

/**
 * Takes the labels from the api; without them (an error) the codes are shown.
 * @param {any} data
 */
export function useLabels(data) {
  for (const kind of /** @type {LabelKind[]} */ (["intents", "reasons", "forms", "channels"])) {
    const table = data && data[kind];
    if (table && typeof table === "object" && !Array.isArray(table)) {
      LABELS[kind] = table;
    }
  }
  LABELS.topics = asList(data && data.topics).map(asText).filter(Boolean);
}

/**
 * The Chinese name of a code of one kind, or the code.
 * @param {LabelKind} kind
 * @param {unknown} code
 */
export function labelOf(kind, code) {
  const key = asText(code);
  const table = LABELS[kind];
  const name = table && Object.hasOwn(table, key) ? asText(table[key]) : "";
  return name || key;
}

/** @param {unknown} channel */
export function channelLabel(channel) {
  return labelOf("channels", channel) || "未知渠道";
}

/** @param {unknown} topic an intent's code */
export function topicLabel(topic) {
  return labelOf("intents", topic);
}

/** The channel codes the api knows. */
export function channelCodes() {
  return Object.keys(LABELS.channels);
}

/** The bot's topics (intents a conversation can be filed under). */
export function topicCodes() {
  return LABELS.topics.slice();
}

/**
 * An element showing a code by its name; the code itself is the tooltip and data-code.
 * @param {string} tag
 * @param {string} className
 * @param {LabelKind} kind
 * @param {unknown} code
 */
export function codeNode(tag, className, kind, code) {
  const key = asText(code);
  const node = el(tag, className, labelOf(kind, key));
  if (key) {
    node.title = key;
    node.setAttribute("data-code", key);
  }
  return node;
}
