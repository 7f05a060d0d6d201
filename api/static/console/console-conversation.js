/*
 * One conversation on the right: its transcript (polled while open), and taking it from the
 * bot, replying to the worker, handing it back. Only messages not shown yet are added, so
 * a poll never moves what staff are reading. An admin may take over (强制接入) or hand back
 * (强制交还) a conversation a colleague has, after confirming: a colleague who went home must
 * not keep the worker waiting.
 */
import { ApiError } from "./api.js";
import { asList, asText, byId, clear, el, markCurrent } from "./dom.js";
import { channelLabel, labelOf } from "./console-labels.js";
import { messageRow } from "./console-transcript.js";
import { singleFlight } from "./single-flight.js";
import { FAILURES, STATUS_LABELS } from "./console-texts.js";

/**
 * @param {string} id
 * @param {string} [action] take, release or reply
 */
function conversationPath(id, action) {
  return "/api/console/conversations/" + encodeURIComponent(id) + (action ? "/" + action : "");
}

/** @param {import("./console.js").ConsoleApp} app */
export function createConversation(app) {
  const placeholder = byId("gc-conv-placeholder");
  const view = byId("gc-conv-view");
  const title = byId("gc-conv-title");
  const stateLine = byId("gc-conv-state");
  const transcript = byId("gc-transcript");
  const take = /** @type {HTMLButtonElement} */ (byId("gc-take"));
  const release = /** @type {HTMLButtonElement} */ (byId("gc-release"));
  const form = byId("gc-reply-form");
  const text = /** @type {HTMLTextAreaElement} */ (byId("gc-reply-text"));
  const send = /** @type {HTMLButtonElement} */ (byId("gc-reply-send"));
  const hint = byId("gc-reply-hint");

  let openId = "";
  /** @type {any} */
  let data = null;
  /** @type {Set<string>} the ids of the messages shown */
  let seen = new Set();
  // Bumped on every open: an answer for a conversation no longer open is dropped.
  let generation = 0;

  function mine() {
    return !!data && data.status === "staff" && asText(data.taken_by) === app.me.username;
  }

  function isAdmin() {
    return app.me.role === "admin";
  }

  /** Someone else has the conversation: only an admin may force it. */
  function othersHaveIt() {
    return !!data && data.status === "staff" && !!data.taken_by && !mine();
  }

  const refresh = singleFlight(() => {
    if (!openId) {
      return Promise.resolve();
    }
    const asked = generation;
    return app
      .call("GET", conversationPath(openId))
      .then((fresh) => {
        if (asked === generation) {
          render(fresh);
        }
      })
      .catch((err) => {
        if (asked === generation) {
          stateLine.textContent = err instanceof ApiError && err.status ? err.message : FAILURES.server;
        }
      });
  });

  /** @param {string} id */
  function open(id) {
    if (id !== openId) {
      openId = id;
      data = null;
      seen = new Set();
      generation += 1;
      clear(transcript);
      text.value = "";
      title.textContent = channelLabel(id.split(":")[0]) + " · " + id;
      stateLine.textContent = "正在打开…";
      placeholder.hidden = true;
      view.hidden = false;
      markCurrent(document.querySelectorAll("#gc-queue-list .gc-item, #gc-conv-list .gc-item"), id);
    }
    app.setHash();
    refresh();
  }

  /** @param {any} status */
  function stateText(status) {
    if (status === "staff") {
      if (mine()) {
        return "由你接入：机器人不再回答，工友的消息会在这里出现";
      }
      return data.taken_by ? "由 " + asText(data.taken_by) + " 接入" : "人工";
    }
    if (status === "waiting") {
      return "等待接入" + (data.reason ? "：" + labelOf("reasons", data.reason) : "");
    }
    return status === "bot" ? "机器人在回答" : STATUS_LABELS[status] || status;
  }

  /** @param {any} fresh the api's conversation */
  function render(fresh) {
    data = fresh;
    const status = asText(data.status);
    stateLine.textContent = stateText(status);
    stateLine.title = status === "waiting" ? asText(data.reason) : "";
    stateLine.className = "gc-conv-state gc-state-" + (STATUS_LABELS[status] ? status : "other");

    const isMine = mine();
    const others = othersHaveIt();
    const force = others && isAdmin();
    take.hidden = isMine;
    take.disabled = others && !force;
    take.textContent = force ? "强制接入" : "接入";
    take.title = others
      ? "已由 " + asText(data.taken_by) + " 接入" + (force ? "；管理员可以强制接入" : "")
      : "接入后机器人不再回答";
    release.hidden = !isMine && !force;
    release.textContent = force ? "强制交还机器人" : "交还机器人";
    const wasHidden = form.hidden;
    form.hidden = !isMine;
    hint.textContent = isMine ? "" : others ? "已由 " + asText(data.taken_by) + " 接入。" : "接入后才能回复工友。";
    hint.hidden = isMine;
    if (isMine && wasHidden) {
      text.focus();
    }
    addMessages(asList(data.messages));
  }

  /** @param {any[]} messages */
  function addMessages(messages) {
    const box = transcript;
    // Follow new messages only when staff are at the end already (not while reading back).
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40 || !box.childNodes.length;
    let added = false;
    for (const message of messages) {
      const id = asText(message.id);
      if (id && seen.has(id)) {
        continue;
      }
      if (id) {
        seen.add(id);
      }
      box.appendChild(messageRow(message));
      added = true;
    }
    if (!box.childNodes.length) {
      box.appendChild(el("p", "gc-placeholder", "还没有消息。"));
    } else if (added) {
      const empty = box.querySelector(":scope > .gc-placeholder");
      if (empty) {
        empty.remove();
      }
    }
    if (added && atEnd) {
      box.scrollTop = box.scrollHeight;
    }
  }

  /**
   * take or release: the button waits for the answer, then the conversation and the queue refresh.
   * @param {HTMLButtonElement} button
   * @param {string} action
   * @param {string} done the notice once it worked
   */
  function change(button, action, done) {
    if (!openId) {
      return;
    }
    const force = othersHaveIt() && isAdmin();
    if (force) {
      const who = asText(data.taken_by);
      const ask =
        action === "take"
          ? "这个会话已由 " + who + " 接入。确定要强制接入吗？" + who + " 将不能再回复。"
          : "这个会话已由 " + who + " 接入。确定要强制交还机器人吗？";
      if (!window.confirm(ask)) {
        return;
      }
    }
    button.disabled = true;
    app
      .call("POST", conversationPath(openId, action), force ? { force: true } : {})
      .then(() => app.notify(done))
      .catch(app.failed)
      .finally(() => {
        button.disabled = false;
        refresh();
        app.queue.refresh();
      });
  }

  function reply() {
    const words = text.value.trim();
    if (!openId || !words || send.disabled) {
      text.focus();
      return;
    }
    send.disabled = true;
    app
      .call("POST", conversationPath(openId, "reply"), { text: words })
      .then((answer) => {
        if (text.value.trim() === words) {
          text.value = "";
        }
        if (answer && answer.delivered === false) {
          app.notify("回复已记下，但没能送到工友那里（对方渠道暂时不通）", "error");
        }
      })
      .catch(app.failed)
      .finally(() => {
        send.disabled = false;
        text.focus();
        refresh();
      });
  }

  take.addEventListener("click", () => change(take, "take", "已接入，机器人不再回答这个会话"));
  release.addEventListener("click", () => change(release, "release", "已交还机器人"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    reply();
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      reply();
    }
  });

  return { id: () => openId, open, refresh };
}
