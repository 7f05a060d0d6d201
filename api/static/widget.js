/*
 * 工友助手 web chat widget.
 *
 * Embed with one tag:  <script src="https://HOST/static/widget.js" defer></script>
 * Optional attributes on the tag:
 *   data-inline="true"     render inline where the tag is (full page), not as a floating button
 *   data-target="#some-id" render inline into that element instead
 *
 * Every text from the server is put in the page with textContent / createTextNode, never as HTML.
 * No inline styles or handlers: the pages that serve it have a strict CSP.
 *
 * Shared phones and internet cafés: the session id lives in this tab only (sessionStorage), and a
 * conversation closes after the idle time the api gives (30 minutes), a day after it began, or when
 * the worker presses 结束对话. Then the screen is cleared and a new id starts a new conversation.
 */
(function () {
  "use strict";

  if (window.__gongyouWidget) {
    return;
  }
  window.__gongyouWidget = true;

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }

  // The api lives where the script came from (also when mounted under a path prefix).
  var BASE = script.src.replace(/[?#].*$/, "").replace(/\/static\/widget\.js$/, "");
  if (BASE === script.src || BASE.indexOf("/static/") !== -1) {
    BASE = new URL(script.src).origin;
  }
  var INLINE = script.getAttribute("data-inline") === "true" || !!script.getAttribute("data-target");

  var STORAGE_KEY = "gongyou.session_id";
  var TIMES_KEY = "gongyou.session_times"; // "<started ms> <last message ms>"
  var LIMITS_KEY = "gongyou.session_limits"; // "<idle s> <max s>", as the api last said
  var HANDOFF_KEY = "gongyou.handoff";
  var REQUEST_TIMEOUT_MS = 45000;
  var POLL_MS = 10000;
  var IDLE_CHECK_MS = 15000;

  var TEXT = {
    name: "工友助手",
    subtitle: "政策问答 · 欠薪求助",
    human: "转人工",
    humanDone: "已转人工",
    close: "关闭",
    open: "打开工友助手",
    placeholder: "请输入您的问题…",
    send: "发送",
    cite: "政策原文",
    dept: "责任单位：",
    effective: "生效日期：",
    read: "朗读",
    stop: "停止",
    up: "有用",
    down: "没用",
    recorded: "谢谢，已记下",
    notRecorded: "没记上，请再点一次",
    typing: "工友助手正在回复",
    you: "我",
    staff: "工作人员",
    network: "网络不稳定，请稍后再试，或拨打 12333",
    tooMany: "发送太频繁了，请稍等一会儿再发。",
    tooLarge: "内容太长了，请分几次发送。",
    tooLong: "消息太长了（最多 {limit} 字）。请分几次说，或者先说最要紧的一件事。",
    badRequest: "消息没有发出去，请换个说法再试。",
    handoff: "已为您转人工，工作人员会在这里回复您。",
    end: "结束对话",
    endAsk: "结束后，这次的聊天记录会从这个页面清除。",
    endYes: "确认结束",
    endNo: "取消",
    ended: "上一段对话已结束，聊天记录已清除。",
    expired: "很久没有说话，上一段对话已结束。",
    welcome:
      "您好！我是工友助手。\n可以问我：工资被拖欠怎么办、免费技能培训、社保、孩子上学、公租房等。\n打字或点下面的问题都可以。",
    starters: ["老板拖欠工资怎么办", "哪里有免费技能培训", "孩子在打工的地方怎么上学", "怎么申请公租房"],
  };

  // ---------- small helpers ----------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function asText(value) {
    return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  }

  function asList(value) {
    return Array.isArray(value) ? value : [];
  }

  // This tab only: closing it forgets the conversation, and the next person's tab starts fresh.
  var memory = {};

  function storageGet(key) {
    try {
      return window.sessionStorage.getItem(key);
    } catch (e) {
      return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    }
  }

  function storageSet(key, value) {
    try {
      window.sessionStorage.setItem(key, value);
    } catch (e) {
      memory[key] = value; // storage blocked: keep it in memory only
    }
  }

  function storageRemove(key) {
    delete memory[key];
    try {
      window.sessionStorage.removeItem(key);
    } catch (e) {
      /* nothing kept */
    }
  }

  // Older versions kept the id in localStorage forever, for whoever used the browser next.
  try {
    window.localStorage.removeItem(STORAGE_KEY);
    window.localStorage.removeItem(HANDOFF_KEY);
  } catch (e) {
    /* no localStorage: nothing to remove */
  }

  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) {
      hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return hex;
  }

  function readNumbers(key) {
    return asText(storageGet(key))
      .split(" ")
      .map(Number)
      .filter(function (n) {
        return isFinite(n) && n > 0;
      });
  }

  // The api's limits (GET /api/web/history says them); these until it has.
  var limits = readNumbers(LIMITS_KEY);
  var idleMs = (limits.length === 2 ? limits[0] : 30 * 60) * 1000;
  var maxMs = (limits.length === 2 ? limits[1] : 24 * 60 * 60) * 1000;

  function setLimits(idleSeconds, maxSeconds) {
    if (idleSeconds > 0 && maxSeconds > 0) {
      idleMs = idleSeconds * 1000;
      maxMs = maxSeconds * 1000;
      storageSet(LIMITS_KEY, idleSeconds + " " + maxSeconds);
    }
  }

  function isExpired(now) {
    var times = readNumbers(TIMES_KEY);
    return times.length !== 2 || now - times[1] >= idleMs || now - times[0] >= maxMs;
  }

  function newSession() {
    var id = newSessionId();
    var now = Date.now();
    storageSet(STORAGE_KEY, id);
    storageSet(TIMES_KEY, now + " " + now);
    storageRemove(HANDOFF_KEY);
    return id;
  }

  // A message was sent or came from staff: the idle time starts again.
  function touchSession() {
    var times = readNumbers(TIMES_KEY);
    var now = Date.now();
    storageSet(TIMES_KEY, (times.length === 2 ? times[0] : now) + " " + now);
  }

  function currentSession() {
    var id = storageGet(STORAGE_KEY);
    if (!id || !/^[0-9a-f]{32}$/.test(id) || isExpired(Date.now())) {
      return newSession();
    }
    return id;
  }

  var SESSION = currentSession();

  function api(path, options) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, REQUEST_TIMEOUT_MS)
      : null;
    var init = {
      method: options && options.body !== undefined ? "POST" : "GET",
      headers: { Accept: "application/json" },
      credentials: "omit",
      cache: "no-store",
    };
    if (options && options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (controller) {
      init.signal = controller.signal;
    }
    if (options && options.keepalive) {
      init.keepalive = true; // sent even when the page is closed right after
    }
    return fetch(BASE + path, init).finally(function () {
      if (timer) {
        clearTimeout(timer);
      }
    });
  }

  function readDetail(response) {
    return response
      .json()
      .then(function (data) {
        return data && typeof data.detail === "string" ? data.detail : "";
      })
      .catch(function () {
        return "";
      });
  }

  // ---------- the DOM ----------

  var root = el("div", "gy-widget " + (INLINE ? "gy-inline" : "gy-floating"));
  root.setAttribute("lang", "zh-CN");
  root.hidden = true; // shown when the stylesheet has loaded (or failed)

  var panel = el("section", "gy-panel");
  panel.setAttribute("aria-label", TEXT.name);

  var header = el("header", "gy-header");
  var titles = el("div", "gy-titles");
  titles.appendChild(el("h2", "gy-title", TEXT.name));
  var subtitle = el("p", "gy-subtitle", TEXT.subtitle);
  titles.appendChild(subtitle);
  header.appendChild(titles);
  var humanButton = el("button", "gy-human", TEXT.human);
  humanButton.type = "button";
  header.appendChild(humanButton);
  var endButton = el("button", "gy-end", TEXT.end);
  endButton.type = "button";
  endButton.setAttribute("aria-expanded", "false");
  header.appendChild(endButton);
  var closeButton = null;
  if (!INLINE) {
    closeButton = el("button", "gy-close", "×");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", TEXT.close);
    header.appendChild(closeButton);
  }
  panel.appendChild(header);

  // 结束对话 asks once, in the page (a browser confirm() is easy to miss and some phones block it).
  var endConfirm = el("div", "gy-end-confirm");
  endConfirm.id = "gy-end-confirm";
  endConfirm.setAttribute("role", "group");
  endConfirm.setAttribute("aria-label", TEXT.end);
  endConfirm.hidden = true;
  var endAsk = el("p", "gy-end-ask", TEXT.endAsk);
  endAsk.id = "gy-end-ask";
  endConfirm.setAttribute("aria-describedby", endAsk.id);
  endConfirm.appendChild(endAsk);
  var endYes = el("button", "gy-end-yes", TEXT.endYes);
  endYes.type = "button";
  var endNo = el("button", "gy-end-no", TEXT.endNo);
  endNo.type = "button";
  var endButtons = el("div", "gy-end-buttons");
  endButtons.appendChild(endYes);
  endButtons.appendChild(endNo);
  endConfirm.appendChild(endButtons);
  endButton.setAttribute("aria-controls", endConfirm.id);
  panel.appendChild(endConfirm);

  var log = el("div", "gy-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  panel.appendChild(log);

  var notice = el("p", "gy-notice");
  notice.setAttribute("role", "alert");
  notice.hidden = true;
  panel.appendChild(notice);

  var form = el("form", "gy-form");
  form.setAttribute("novalidate", "");
  var input = el("textarea", "gy-input");
  input.rows = 1;
  input.placeholder = TEXT.placeholder;
  input.setAttribute("aria-label", TEXT.placeholder);
  input.setAttribute("enterkeyhint", "send");
  input.autocomplete = "off";
  form.appendChild(input);
  var sendButton = el("button", "gy-send", TEXT.send);
  sendButton.type = "submit";
  form.appendChild(sendButton);
  panel.appendChild(form);

  var launcher = null;
  if (!INLINE) {
    launcher = el("button", "gy-launcher", TEXT.name);
    launcher.type = "button";
    launcher.setAttribute("aria-label", TEXT.open);
    launcher.setAttribute("aria-expanded", "false");
    panel.hidden = true;
    root.appendChild(launcher);
  }
  root.appendChild(panel);

  // ---------- state ----------

  var seen = {}; // message ids already on the page
  var busy = false; // a message is on its way
  var ready = false; // the history has been loaded (or failed to)
  var handoff = storageGet(HANDOFF_KEY) === SESSION;
  var pollTimer = null;
  var typingNode = null;
  var speaking = null; // the 朗读 button whose text is being read
  var canSpeak = !!window.speechSynthesis && typeof window.SpeechSynthesisUtterance === "function";

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // At the end, the conversation stays at its end when the log gets shorter: a phone's keyboard
  // opening, the address bar, a turn of the phone. Scrolled up to read, the worker stays there.
  var atEnd = true;
  log.addEventListener("scroll", function () {
    atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  });
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(function () {
      if (atEnd) {
        scrollToEnd();
      }
    }).observe(log);
  }

  function showNotice(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value || !ready;
    root.classList.toggle("gy-busy", value);
  }

  function setHandoff(value) {
    handoff = value;
    humanButton.textContent = value ? TEXT.humanDone : TEXT.human;
    humanButton.classList.toggle("gy-human-on", value);
    if (value) {
      storageSet(HANDOFF_KEY, SESSION);
      startPolling();
    } else if (pollTimer) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  // ---------- rendering ----------

  function speakButton(text) {
    var button = el("button", "gy-action gy-read", TEXT.read);
    button.type = "button";
    button.setAttribute("aria-label", TEXT.read);
    button.addEventListener("click", function () {
      var synth = window.speechSynthesis;
      var wasThis = speaking === button;
      synth.cancel();
      if (speaking) {
        speaking.textContent = TEXT.read;
        speaking = null;
      }
      if (wasThis) {
        return;
      }
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.9;
      utterance.onend = utterance.onerror = function () {
        if (speaking === button) {
          button.textContent = TEXT.read;
          speaking = null;
        }
      };
      speaking = button;
      button.textContent = TEXT.stop;
      synth.speak(utterance);
    });
    return button;
  }

  function feedbackButtons(replyId) {
    var box = el("span", "gy-feedback");
    var status = el("span", "gy-feedback-status");
    status.setAttribute("aria-live", "polite");
    var buttons = [];
    [
      ["up", "👍 " + TEXT.up, TEXT.up],
      ["down", "👎 " + TEXT.down, TEXT.down],
    ].forEach(function (spec) {
      var button = el("button", "gy-action gy-rate gy-rate-" + spec[0], spec[1]);
      button.type = "button";
      button.setAttribute("aria-label", spec[2]);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        buttons.forEach(function (b) {
          b.disabled = true;
        });
        api("/api/web/feedback", { body: { session_id: SESSION, reply_id: replyId, rating: spec[0] } })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("HTTP " + response.status);
            }
            buttons.forEach(function (b) {
              var chosen = b === button;
              b.classList.toggle("gy-chosen", chosen);
              b.setAttribute("aria-pressed", chosen ? "true" : "false");
            });
            status.textContent = TEXT.recorded;
          })
          .catch(function () {
            status.textContent = TEXT.notRecorded;
          })
          .finally(function () {
            buttons.forEach(function (b) {
              b.disabled = false;
            });
          });
      });
      buttons.push(button);
      box.appendChild(button);
    });
    box.appendChild(status);
    return box;
  }

  function citationBlock(citations) {
    var details = el("details", "gy-cite");
    details.appendChild(el("summary", "gy-cite-summary", TEXT.cite));
    citations.forEach(function (c) {
      var item = el("div", "gy-cite-item");
      var heading = [];
      if (c.item !== undefined && c.item !== null && c.item !== "") {
        heading.push("第" + asText(c.item) + "项");
      }
      if (c.title) {
        heading.push(asText(c.title));
      }
      if (heading.length) {
        item.appendChild(el("p", "gy-cite-title", heading.join(" ")));
      }
      if (c.quote) {
        item.appendChild(el("blockquote", "gy-cite-quote", asText(c.quote)));
      }
      var departments = asList(c.departments).map(asText).filter(Boolean);
      if (departments.length) {
        item.appendChild(el("p", "gy-cite-dept", TEXT.dept + departments.join("、")));
      }
      if (c.effective) {
        item.appendChild(el("p", "gy-cite-date", TEXT.effective + asText(c.effective)));
      }
      if (c.doc) {
        item.appendChild(el("p", "gy-cite-doc", "《" + asText(c.doc).replace(/^《|》$/g, "") + "》"));
      }
      details.appendChild(item);
    });
    return details;
  }

  function quickReplies(buttons, sendAsText) {
    var box = el("div", "gy-quick");
    buttons.forEach(function (b) {
      var title = asText(b.title);
      var payload = asText(b.payload);
      if (!title && !payload) {
        return;
      }
      var button = el("button", "gy-quick-btn", title || payload);
      button.type = "button";
      button.addEventListener("click", function () {
        if (sendAsText || !payload) {
          send({ text: title || payload });
        } else if (payload.charAt(0) !== "/") {
          // A form's answer button ("工程建设") stands for words typed, as in Rasa's own channels.
          send({ text: payload });
        } else {
          send({ payload: payload, title: title || payload });
        }
      });
      box.appendChild(button);
    });
    return box;
  }

  // role: "user" | "bot" | "staff" | "welcome"
  function renderMessage(message, role) {
    var id = asText(message.id);
    if (id) {
      if (seen[id]) {
        return null;
      }
      seen[id] = true;
    }
    var text = asText(message.text);
    var buttons = asList(message.buttons);
    var citations = asList(message.citations);
    // Rasa sends a clause's citations as a message of their own: show them under the answer they belong to.
    if (role === "bot" && !text && !buttons.length && citations.length) {
      var last = log.lastElementChild;
      if (last === typingNode) {
        last = last ? last.previousElementSibling : null;
      }
      if (last && last.classList.contains("gy-bot") && !last.classList.contains("gy-welcome")) {
        var anchor = last.querySelector(":scope > .gy-actions, :scope > .gy-quick");
        last.insertBefore(citationBlock(citations), anchor);
        scrollToEnd();
        return last;
      }
    }
    var cssRole = role === "welcome" ? "bot" : role;
    var row = el("div", "gy-msg gy-" + cssRole);
    if (role === "welcome") {
      row.classList.add("gy-welcome");
    }
    if (id) {
      row.setAttribute("data-id", id);
    }
    if (role === "staff") {
      row.appendChild(el("p", "gy-who", TEXT.staff));
    }
    if (text) {
      row.appendChild(el("div", "gy-bubble", text));
    }
    if (citations.length) {
      row.appendChild(citationBlock(citations));
    }
    if (role !== "user" && text) {
      var actions = el("div", "gy-actions");
      if (canSpeak) {
        actions.appendChild(speakButton(text));
      }
      if (role === "bot" && id) {
        actions.appendChild(feedbackButtons(id));
      }
      if (actions.childNodes.length) {
        row.appendChild(actions);
      }
    }
    if (buttons.length) {
      row.appendChild(quickReplies(buttons, role === "welcome"));
    }
    if (!row.childNodes.length) {
      return null;
    }
    log.insertBefore(row, typingNode && typingNode.parentNode === log ? typingNode : null);
    scrollToEnd();
    return row;
  }

  function showTyping(on) {
    if (on && !typingNode) {
      typingNode = el("div", "gy-msg gy-bot gy-typing");
      typingNode.setAttribute("role", "status");
      typingNode.setAttribute("aria-label", TEXT.typing);
      var dots = el("div", "gy-bubble gy-dots");
      for (var i = 0; i < 3; i++) {
        dots.appendChild(el("span", "gy-dot"));
      }
      typingNode.appendChild(dots);
      log.appendChild(typingNode);
      scrollToEnd();
    } else if (!on && typingNode) {
      typingNode.remove();
      typingNode = null;
    }
  }

  function dimOldQuickReplies() {
    var groups = log.querySelectorAll(".gy-quick");
    for (var i = 0; i < groups.length; i++) {
      groups[i].classList.add("gy-quick-old");
    }
  }

  // ---------- talking to the api ----------

  // what: {text} or {payload, title}
  function send(what) {
    if (busy || !ready) {
      return;
    }
    var fromInput = what.text !== undefined && what.fromInput;
    touchSession();
    var typed = fromInput ? input.value : "";
    var shown = what.text !== undefined ? what.text : what.title;
    var sentIn = SESSION;
    var body = { session_id: SESSION };
    if (what.text !== undefined) {
      body.text = what.text;
    } else {
      body.payload = what.payload;
      body.title = what.title;
    }
    showNotice("");
    setBusy(true);
    var mine = renderMessage({ text: shown }, "user");
    if (mine) {
      mine.classList.add("gy-pending");
    }
    showTyping(true);
    if (fromInput) {
      input.value = "";
    }

    // The conversation was ended or cleared meanwhile: its answer belongs to nobody on this screen.
    function stale() {
      return sentIn !== SESSION;
    }

    function failed(text) {
      if (stale()) {
        return;
      }
      if (mine) {
        mine.remove();
      }
      if (fromInput) {
        // Give the worker's words back, ahead of anything typed since.
        var since = input.value.trim();
        input.value = since ? typed.trim() + "\n" + since : typed;
      }
      showNotice(text);
    }

    api("/api/web/messages", { body: body })
      .then(function (response) {
        if (stale()) {
          return undefined;
        }
        if (response.ok) {
          return response.json().then(function (data) {
            if (stale()) {
              return;
            }
            touchSession();
            if (mine) {
              mine.classList.remove("gy-pending");
            }
            showTyping(false);
            dimOldQuickReplies();
            asList(data && data.replies).forEach(function (reply) {
              renderMessage(reply, "bot");
            });
            if (data && data.handoff && !handoff) {
              setHandoff(true);
            }
          });
        }
        if (response.status >= 500) {
          failed(TEXT.network);
          return undefined;
        }
        if (response.status === 410) {
          // The api closed this id (idle, a day old, ended in another tab): start again, keep the words.
          return readDetail(response).then(function (detail) {
            if (stale()) {
              return;
            }
            resetConversation("");
            if (fromInput) {
              input.value = typed;
            }
            showNotice(detail || TEXT.expired);
          });
        }
        return readDetail(response).then(function (detail) {
          var fallback =
            response.status === 429 ? TEXT.tooMany : response.status === 413 ? TEXT.tooLarge : TEXT.badRequest;
          failed(detail || fallback);
        });
      })
      .catch(function () {
        failed(TEXT.network);
      })
      .finally(function () {
        if (stale()) {
          return;
        }
        showTyping(false);
        setBusy(false);
        if (fromInput) {
          input.focus();
        }
      });
  }

  // The api's API_MAX_MESSAGE_CHARS (default): a longer message is answered with a request to
  // say it in parts, so it is not sent, and the words stay in the box to cut up.
  var MAX_MESSAGE_CHARS = 1000;

  function sendInput() {
    var text = input.value.trim();
    if (!text) {
      input.value = "";
      input.focus();
      return;
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      showNotice(TEXT.tooLong.replace("{limit}", String(MAX_MESSAGE_CHARS)));
      input.focus();
      return;
    }
    send({ text: text, fromInput: true });
  }

  // GET /api/web/history: data for the session asked about, or null when it has been replaced since.
  function fetchHistory() {
    var askedFor = SESSION;
    return api("/api/web/history?session_id=" + encodeURIComponent(askedFor))
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (askedFor !== SESSION || !data) {
          return null;
        }
        setLimits(Number(data.idle_seconds), Number(data.max_seconds));
        if (data.ended === true) {
          // Closed on the api's side (ended elsewhere, or idle by its clock): nothing of it is shown.
          resetConversation(log.querySelector(".gy-msg:not(.gy-welcome)") ? TEXT.expired : "");
          return null;
        }
        return data;
      });
  }

  function loadHistory() {
    return fetchHistory().then(function (data) {
      var messages = asList(data && data.messages);
      messages.forEach(function (m) {
        var role = m.role === "user" || m.role === "staff" ? m.role : "bot";
        renderMessage(m, role);
      });
      if (messages.length) {
        dimOldQuickReplies();
      }
    });
  }

  function poll() {
    if (document.hidden || busy) {
      return;
    }
    fetchHistory()
      .then(function (data) {
        asList(data && data.messages).forEach(function (m) {
          if (m.role === "staff" && renderMessage(m, "staff")) {
            touchSession();
          }
        });
      })
      .catch(function () {
        /* try again at the next tick */
      });
  }

  function startPolling() {
    if (!pollTimer) {
      pollTimer = setInterval(poll, POLL_MS);
    }
  }

  // ---------- ending a conversation ----------

  function showWelcome() {
    renderMessage(
      {
        text: TEXT.welcome,
        buttons: TEXT.starters.map(function (s) {
          return { title: s, payload: s };
        }),
      },
      "welcome",
    );
  }

  // Everything of the old conversation leaves the screen and the tab; a new id starts a new one.
  function resetConversation(note) {
    SESSION = newSession();
    seen = {};
    showTyping(false);
    if (speaking) {
      window.speechSynthesis.cancel();
      speaking = null;
    }
    while (log.firstChild) {
      log.removeChild(log.firstChild);
    }
    showNotice("");
    input.value = "";
    setEndConfirm(false);
    setHandoff(false);
    var noteNode = null;
    if (note) {
      noteNode = el("p", "gy-note", note);
      noteNode.setAttribute("tabindex", "-1");
      log.appendChild(noteNode);
    }
    showWelcome();
    setBusy(false);
    log.scrollTop = 0;
    return noteNode;
  }

  function hasConversation() {
    return !!log.querySelector(".gy-msg:not(.gy-welcome)");
  }

  // The tab was left open: after the idle time, whoever looks next sees only the greeting.
  function checkIdle() {
    if (ready && isExpired(Date.now())) {
      resetConversation(hasConversation() ? TEXT.expired : "");
    }
  }

  function setEndConfirm(open) {
    endConfirm.hidden = !open;
    endButton.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function endConversation() {
    // Told, not waited for: the screen is cleared even with no network (the api closes the id when idle).
    api("/api/web/end", { body: { session_id: SESSION }, keepalive: true }).catch(function () {
      /* closed by the idle time instead */
    });
    var noteNode = resetConversation(TEXT.ended);
    if (noteNode) {
      noteNode.focus(); // read out, and no keyboard popping up on a phone
    }
  }

  // ---------- events ----------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendInput();
  });

  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter is a new line; Enter that ends an IME composition (pinyin) does not send.
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendInput();
    }
  });

  humanButton.addEventListener("click", function () {
    send({ payload: "/ask_human", title: TEXT.human });
  });

  endButton.addEventListener("click", function () {
    var open = endConfirm.hidden;
    setEndConfirm(open);
    if (open) {
      endYes.focus();
    }
  });

  endNo.addEventListener("click", function () {
    setEndConfirm(false);
    endButton.focus();
  });

  endYes.addEventListener("click", endConversation);

  endConfirm.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.stopPropagation(); // closes the question, not the floating panel
      setEndConfirm(false);
      endButton.focus();
    }
  });

  setInterval(checkIdle, IDLE_CHECK_MS);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      checkIdle();
    }
  });
  window.addEventListener("pageshow", checkIdle); // also a page restored by the Back button
  window.addEventListener("focus", checkIdle);

  function setOpen(open) {
    panel.hidden = !open;
    if (launcher) {
      launcher.hidden = open;
      launcher.setAttribute("aria-expanded", open ? "true" : "false");
    }
    root.classList.toggle("gy-open", open);
    if (open) {
      scrollToEnd();
      input.focus();
    } else if (launcher) {
      launcher.focus();
    }
  }

  if (launcher) {
    launcher.addEventListener("click", function () {
      setOpen(true);
    });
  }
  if (closeButton) {
    closeButton.addEventListener("click", function () {
      setOpen(false);
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        setOpen(false);
      }
    });
  }

  // ---------- start ----------

  function mount() {
    var target = null;
    var selector = script.getAttribute("data-target");
    if (selector) {
      try {
        target = document.querySelector(selector);
      } catch (e) {
        target = null;
      }
    }
    if (target) {
      target.appendChild(root);
    } else if (INLINE && script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(root, script.nextSibling);
    } else {
      document.body.appendChild(root);
    }
  }

  function loadStyles() {
    var href = BASE + "/static/widget.css";
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === href) {
        root.hidden = false; // the page links it already
        return;
      }
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    var shown = false;
    function show() {
      if (!shown) {
        shown = true;
        root.hidden = false;
        scrollToEnd();
      }
    }
    link.addEventListener("load", show);
    link.addEventListener("error", show);
    setTimeout(show, 3000);
    document.head.appendChild(link);
  }

  function start() {
    if (!canSpeak) {
      root.classList.add("gy-no-speech");
    }
    showWelcome();
    mount();
    loadStyles();
    setBusy(false);
    loadHistory()
      .catch(function () {
        /* no history: start fresh */
      })
      .finally(function () {
        ready = true;
        root.setAttribute("data-ready", "true");
        setBusy(false);
        if (handoff) {
          setHandoff(true);
        }
        scrollToEnd(); // after a reload, the last message is what the worker sees
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
