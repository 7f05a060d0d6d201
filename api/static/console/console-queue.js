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

// Rows per page: the queue can be long (anyone may ask for a person), the list stays short.
const PAGE = 50;

/** @param {import("./console.js").ConsoleApp} app */
export function createQueue(app) {
  const list = byId("gc-queue-list");
  const empty = byId("gc-queue-empty");
  const count = byId("gc-queue-count");
  const updated = byId("gc-queue-updated");
  const pager = byId("gc-queue-pager");
  const prev = /** @type {HTMLButtonElement} */ (byId("gc-queue-prev"));
  const next = /** @type {HTMLButtonElement} */ (byId("gc-queue-next"));
  const range = byId("gc-queue-range");
  let offset = 0;
  arrowRows(list);

  /**
   * The pager under the list: where this page is in the whole queue.
   * @param {number} shown rows on this page
   * @param {number} total rows in the whole queue
   */
  function paginate(shown, total) {
    pager.hidden = total <= PAGE && offset === 0;
    range.textContent = shown ? "第 " + (offset + 1) + "–" + (offset + shown) + " 条，共 " + total + " 条" : "";
    prev.disabled = offset === 0;
    next.disabled = offset + shown >= total;
  }

  function fetchPage() {
    return app.call("GET", "/api/console/queue?limit=" + PAGE + "&offset=" + offset);
  }

  /**
   * @param {any} data one page of the queue
   * @returns {boolean} true when the page was gone and another must be fetched
   */
  function render(data) {
    const items = asList(data.items);
    const total = Number(data.total) || 0;
    if (!items.length && offset > 0) {
      // The queue got shorter than this page's start: its last page instead.
      offset = Math.max(0, Math.floor((total - 1) / PAGE) * PAGE);
      return true;
    }
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
    paginate(items.length, total);
    // The whole queue's count, not this page's: the tab says how many are waiting.
    const waiting = Number(data.waiting) || 0;
    count.textContent = String(waiting);
    count.hidden = waiting === 0;
    document.title = (waiting ? "(" + waiting + ") " : "") + TITLE;
    updated.textContent = "每 5 秒刷新 · " + clock(new Date().toISOString());
    return false;
  }

  const refresh = singleFlight(() =>
    fetchPage()
      .then((data) => (render(data) ? fetchPage().then(render) : false))
      .catch((err) => {
        // A failed poll is said quietly in the list's corner, not in the notice bar every 5 s.
        if (err instanceof ApiError && err.status !== 401) {
          updated.textContent = "刷新失败：" + err.message;
        } else {
          app.failed(err);
        }
      }),
  );

  prev.addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE);
    refresh();
  });
  next.addEventListener("click", () => {
    offset += PAGE;
    refresh();
  });

  return { refresh };
}
