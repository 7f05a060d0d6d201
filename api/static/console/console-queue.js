/*
 * 待接入: the conversations that want a person, refreshed every few seconds whatever the tab
 * (the count in the tab and the page title tell staff someone is waiting).
 */
import { ApiError } from "./api.js";
import { asList, byId, el } from "./dom.js";
import { clock, waited } from "./format.js";
import { arrowRows } from "./keys.js";
import { conversationRow, fillList } from "./console-lists.js";
import { singleFlight } from "./single-flight.js";
import { TITLE } from "./console-texts.js";

/** @param {import("./console.js").ConsoleApp} app */
export function createQueue(app) {
  const list = byId("gc-queue-list");
  const empty = byId("gc-queue-empty");
  const count = byId("gc-queue-count");
  const updated = byId("gc-queue-updated");
  arrowRows(list);

  /** @param {any[]} items */
  function render(items) {
    fillList(
      list,
      empty,
      items,
      (item) => {
        const button = conversationRow(
          item,
          (top) => top.appendChild(el("span", "gc-wait", waited(item.requested_at))),
          app.conversation.open,
        );
        if (item.status === "waiting") {
          button.classList.add("gc-waiting");
        }
        return button;
      },
      app.conversation.id(),
    );
    const waiting = items.filter((item) => item.status === "waiting").length;
    count.textContent = String(waiting);
    count.hidden = waiting === 0;
    document.title = (waiting ? "(" + waiting + ") " : "") + TITLE;
    updated.textContent = "每 5 秒刷新 · " + clock(new Date().toISOString());
  }

  const refresh = singleFlight(() =>
    app
      .call("GET", "/api/console/queue")
      .then((data) => render(asList(data.items)))
      .catch((err) => {
        // A failed poll is said quietly in the list's corner, not in the notice bar every 5 s.
        if (err instanceof ApiError && err.status !== 401) {
          updated.textContent = "刷新失败：" + err.message;
        } else {
          app.failed(err);
        }
      }),
  );

  return { refresh };
}
