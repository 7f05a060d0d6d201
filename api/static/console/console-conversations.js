/*
 * 会话: every conversation, filtered by channel, topic and status.
 */
import { asList, byId } from "./dom.js";
import { timeNode } from "./format.js";
import { arrowRows } from "./keys.js";
import { channelCodes, codeNode, topicCodes } from "./console-labels.js";
import { conversationRow, fillList } from "./console-lists.js";
import { singleFlight } from "./single-flight.js";

/** @param {import("./console.js").ConsoleApp} app */
export function createConversations(app) {
  const list = byId("gc-conv-list");
  const empty = byId("gc-conv-empty");
  const channel = /** @type {HTMLSelectElement} */ (byId("gc-conv-channel"));
  const status = /** @type {HTMLSelectElement} */ (byId("gc-conv-status"));
  const topic = /** @type {HTMLSelectElement} */ (byId("gc-conv-topic"));
  arrowRows(list);

  const refresh = singleFlight(() => {
    const query = new URLSearchParams();
    if (channel.value) {
      query.set("channel", channel.value);
    }
    if (topic.value) {
      query.set("topic", topic.value);
    }
    if (status.value) {
      query.set("status", status.value);
    }
    query.set("limit", "50");
    return app
      .call("GET", "/api/console/conversations?" + query.toString())
      .then((data) => {
        fillList(
          list,
          empty,
          asList(data.items),
          (item) =>
            conversationRow(item, (top) => top.appendChild(timeNode(item.last_at, "gc-when")), app.conversation.open),
          app.conversation.id(),
        );
      })
      .catch(app.failed);
  });

  /** The filters offer the channels and the bot's topics by their Chinese names (once the labels are in). */
  function fillFilters() {
    /** @type {[HTMLSelectElement, string[], "channels" | "intents"][]} */
    const filters = [
      [channel, channelCodes(), "channels"],
      [topic, topicCodes(), "intents"],
    ];
    for (const [select, codes, kind] of filters) {
      for (const code of codes) {
        const option = /** @type {HTMLOptionElement} */ (codeNode("option", "", kind, code));
        option.value = code;
        select.appendChild(option);
      }
    }
  }

  byId("gc-conv-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  channel.addEventListener("change", refresh);
  status.addEventListener("change", refresh);

  return { refresh, fillFilters };
}
