/*
 * 工友助手 staff console: the login page and the console itself (body[data-page] says which).
 *
 * Every text from the server (workers' messages, knowledge, case details) is put in the page
 * with textContent, never as HTML. No inline styles or handlers: the pages have a strict CSP.
 * State-changing requests are JSON (the api refuses anything else); the session is an HttpOnly
 * cookie the script never sees. A 401 from any data request sends the page to the login.
 */
(function () {
  "use strict";

  var common = window.GongyouCommon;
  var ApiError = common.ApiError;
  var asList = common.asList;
  var asText = common.asText;
  var byId = common.byId;
  var chineseNumber = common.chineseNumber;
  var clear = common.clear;
  var detailOf = common.detailOf;
  var el = common.el;
  var pad = common.pad;
  var request = common.request;

  var LOGIN_PATH = "/console/login";
  var CONSOLE_PATH = "/console";
  var QUEUE_POLL_MS = 5000;
  var CONVERSATION_POLL_MS = 3000;
  var CONVERSATIONS_POLL_MS = 15000;
  var NOTICE_MS = 6000;

  var TEXT = {
    loginFailed: "用户名或密码不对",
    loginEmpty: "请填写用户名和密码",
    tooMany: "登录失败次数太多，请一分钟后再试",
    network: "网络不通，请检查网络后再试",
    server: "服务器出错了，请稍后再试",
    forbidden: "没有权限做这件事",
    notFound: "没有找到",
    conflict: "这个会话已由其他工作人员接入",
    title: "工友助手工作台",
  };
  var ROLE_LABELS = { staff: "工作人员", editor: "编辑", admin: "管理员" };
  var STATUS_LABELS = { bot: "机器人", waiting: "等待接入", staff: "人工" };
  var WHO = { user: "工友", bot: "机器人", staff: "工作人员" };
  var KIND_LABELS = { clause: "条款", answer: "答复" };
  var CASE_STATUSES = [
    ["received", "已受理"],
    ["processing", "处理中"],
    ["closed", "已办结"],
  ];
  var CASE_FIELDS = [
    ["sector", "行业"],
    ["employer", "欠钱的单位或工地"],
    ["place", "干活地点"],
    ["period", "干活时间"],
    ["amount_text", "欠款金额"],
    ["workers", "被欠人数"],
    ["evidence", "证据"],
    ["contact", "联系电话"],
  ];
  // Chinese names of the codes shown (intents, handoff reasons, forms, channels), from the api
  // (api/labels.py, /api/console/labels) at start; a code not listed is shown as it is.
  var LABELS = { intents: {}, reasons: {}, forms: {}, channels: {}, topics: [] };
  // The dashboard's charts, drawn by the api as SVG.
  var CHARTS = [
    ["messages", "每天消息数"],
    ["fallback_rate", "答不上来的比例"],
    ["handoff_rate", "转人工比例"],
    ["satisfaction", "满意度"],
  ];
  var QUALITY_DAYS = ["7", "30", "90"];
  var NEW_ANSWER_PATH = "/console/admin/answers/new?question=";

  // ---------- small helpers ----------

  // 3 → 三, 12 → 十二, 20 → 二十: the plan numbers its items （一）（二）…
  function itemLabel(n) {
    var number = typeof n === "string" && /^\d+$/.test(n) ? parseInt(n, 10) : n;
    return "第（" + chineseNumber(number) + "）项";
  }

  function score(value) {
    return typeof value === "number" && isFinite(value) ? value.toFixed(3) : "—";
  }

  // The Chinese name of a code of one kind ("intents", "reasons", "forms", "channels"), or the code.
  function labelOf(kind, code) {
    var key = asText(code);
    var table = LABELS[kind];
    var name = table && Object.prototype.hasOwnProperty.call(table, key) ? asText(table[key]) : "";
    return name || key;
  }

  // An element showing a code by its name; the code itself is the tooltip (for support).
  function codeNode(tag, className, kind, code) {
    var key = asText(code);
    var node = el(tag, className, labelOf(kind, key));
    if (key) {
      node.title = key;
      node.setAttribute("data-code", key);
    }
    return node;
  }

  function channelLabel(channel) {
    return labelOf("channels", channel) || "未知渠道";
  }

  // The labels from the api; without them (an error) the codes are shown.
  function useLabels(data) {
    ["intents", "reasons", "forms", "channels"].forEach(function (kind) {
      var table = data && data[kind];
      if (table && typeof table === "object" && !Array.isArray(table)) {
        LABELS[kind] = table;
      }
    });
    LABELS.topics = asList(data && data.topics).map(asText).filter(Boolean);
  }

  function shortId(id) {
    var text = asText(id);
    var colon = text.indexOf(":");
    var rest = colon >= 0 ? text.slice(colon + 1) : text;
    return rest.length > 14 ? rest.slice(0, 12) + "…" : rest;
  }

  function parseTime(value) {
    var t = Date.parse(asText(value));
    return isNaN(t) ? null : t;
  }

  // "14:05" today, "03-18 14:05" this year, "2024-03-18 14:05" before.
  function clock(value) {
    var t = parseTime(value);
    if (t === null) {
      return "";
    }
    var d = new Date(t);
    var now = new Date();
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (d.toDateString() === now.toDateString()) {
      return hm;
    }
    var md = pad(d.getMonth() + 1) + "-" + pad(d.getDate());
    return d.getFullYear() === now.getFullYear() ? md + " " + hm : d.getFullYear() + "-" + md + " " + hm;
  }

  function fullTime(value) {
    var t = parseTime(value);
    if (t === null) {
      return "";
    }
    var d = new Date(t);
    return (
      d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds())
    );
  }

  function waited(value) {
    var t = parseTime(value);
    if (t === null) {
      return "";
    }
    var minutes = Math.floor(Math.max(0, Date.now() - t) / 60000);
    if (minutes < 1) {
      return "等了不到 1 分钟";
    }
    if (minutes < 60) {
      return "等了 " + minutes + " 分钟";
    }
    var hours = Math.floor(minutes / 60);
    return "等了 " + hours + " 小时" + (minutes % 60 ? " " + (minutes % 60) + " 分钟" : "");
  }

  function timeNode(value, className) {
    var node = el("time", className, clock(value));
    var full = fullTime(value);
    if (full) {
      node.setAttribute("datetime", asText(value));
      node.title = full;
    }
    return node;
  }

  // ---------- talking to the api ----------

  function errorText(result) {
    switch (result.status) {
      case 0:
        return TEXT.network;
      case 403:
        return detailOf(result, TEXT.forbidden);
      case 404:
        return detailOf(result, TEXT.notFound);
      case 409:
        return detailOf(result, TEXT.conflict);
      default:
        return result.status >= 500 && result.status !== 503 ? TEXT.server : detailOf(result, TEXT.server);
    }
  }

  // ---------- the login page ----------

  function initLogin() {
    var form = byId("gc-login-form");
    var username = byId("gc-username");
    var password = byId("gc-password");
    var error = byId("gc-login-error");
    var submit = byId("gc-login-submit");
    var busy = false;

    function showError(text) {
      error.textContent = text;
      error.hidden = !text;
    }

    // Signed in already (another tab): straight to the console.
    request("GET", "/api/auth/me").then(function (result) {
      if (result.ok) {
        window.location.replace(CONSOLE_PATH);
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) {
        return;
      }
      var name = username.value.trim();
      if (!name || !password.value) {
        showError(TEXT.loginEmpty);
        (name ? password : username).focus();
        return;
      }
      busy = true;
      submit.disabled = true;
      showError("");
      request("POST", "/api/auth/login", { username: name, password: password.value })
        .then(function (result) {
          if (result.ok) {
            window.location.replace(CONSOLE_PATH);
            return;
          }
          if (result.status === 401) {
            showError(TEXT.loginFailed);
          } else if (result.status === 429) {
            showError(detailOf(result, TEXT.tooMany));
          } else if (result.status === 422) {
            showError(TEXT.loginEmpty);
          } else {
            showError(errorText(result));
          }
          password.value = "";
          password.focus();
        })
        .finally(function () {
          busy = false;
          submit.disabled = false;
        });
    });
  }

  // ---------- the console ----------

  function initConsole() {
    var main = byId("gc-main");
    var notice = byId("gc-notice");
    var noticeTimer = null;
    var tabs = Array.prototype.slice.call(document.querySelectorAll(".gc-tab"));
    var panels = {
      queue: byId("gc-panel-queue"),
      conversations: byId("gc-panel-conversations"),
      cases: byId("gc-panel-cases"),
      search: byId("gc-panel-search"),
      quality: byId("gc-panel-quality"),
    };
    var conversationPane = byId("gc-conversation");
    var casePane = byId("gc-case");
    var leaving = false;

    var me = { username: "", role: "" };
    var tab = "queue";

    // ----- requests with the session -----

    function goToLogin() {
      if (!leaving) {
        leaving = true;
        window.location.replace(LOGIN_PATH);
      }
    }

    // Resolves with the data of a 2xx; rejects with an ApiError otherwise (a 401 leaves for the login).
    function call(method, path, body) {
      return request(method, path, body).then(function (result) {
        if (result.status === 401) {
          goToLogin();
          throw new ApiError(401, "");
        }
        if (!result.ok) {
          throw new ApiError(result.status, errorText(result));
        }
        return result.data || {};
      });
    }

    // One request at a time: a refresh asked for meanwhile runs once the current one is back;
    // a timer's poll is skipped instead. run() returns a promise that never rejects.
    function singleFlight(run) {
      var busy = false;
      var again = false;
      function go() {
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        again = false;
        run().finally(function () {
          busy = false;
          if (again) {
            go();
          }
        });
      }
      go.poll = function () {
        if (!busy) {
          go();
        }
      };
      return go;
    }

    function showNotice(text, kind) {
      if (noticeTimer) {
        clearTimeout(noticeTimer);
        noticeTimer = null;
      }
      notice.textContent = text;
      notice.hidden = !text;
      notice.className = "gc-notice" + (kind === "error" ? " gc-notice-error" : "");
      notice.setAttribute("role", kind === "error" ? "alert" : "status");
      if (text) {
        noticeTimer = setTimeout(function () {
          notice.hidden = true;
        }, NOTICE_MS);
      }
    }

    function failed(err) {
      if (err instanceof ApiError) {
        if (err.status !== 401) {
          showNotice(err.message, "error");
        }
      } else {
        showNotice(TEXT.server, "error");
        if (window.console) {
          window.console.error(err);
        }
      }
    }

    function conversationPath(id, action) {
      return "/api/console/conversations/" + encodeURIComponent(id) + (action ? "/" + action : "");
    }

    // ----- tabs -----

    function setHash() {
      var open = tab === "cases" ? cases.open : tab === "quality" ? quality.period() : tab === "search" ? "" : conv.id;
      var hash = "#" + tab + (open ? "/" + encodeURIComponent(open) : "");
      if (window.location.hash !== hash && window.history.replaceState) {
        window.history.replaceState(null, "", hash);
      }
    }

    function switchTab(name, focusTab) {
      if (!panels[name]) {
        return;
      }
      tab = name;
      main.setAttribute("data-tab", name);
      tabs.forEach(function (button) {
        var on = button.getAttribute("data-tab") === name;
        button.setAttribute("aria-selected", on ? "true" : "false");
        button.tabIndex = on ? 0 : -1;
        if (on && focusTab) {
          button.focus();
        }
      });
      Object.keys(panels).forEach(function (key) {
        panels[key].hidden = key !== name;
      });
      conversationPane.hidden = !(name === "queue" || name === "conversations");
      casePane.hidden = name !== "cases";
      if (name === "queue") {
        queue.refresh();
      } else if (name === "conversations") {
        conversations.refresh();
      } else if (name === "cases") {
        cases.refresh();
      } else if (name === "search" && !focusTab) {
        byId("gc-search-q").focus();
      } else if (name === "quality") {
        quality.refresh();
      }
      if (!conversationPane.hidden) {
        conv.refresh();
      }
      setHash();
    }

    tabs.forEach(function (button, index) {
      button.addEventListener("click", function () {
        switchTab(button.getAttribute("data-tab"), false);
      });
      button.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (step) {
          event.preventDefault();
          var next = tabs[(index + step + tabs.length) % tabs.length];
          switchTab(next.getAttribute("data-tab"), true);
        }
      });
    });

    // ----- lists: one button per row; ↑/↓ move between rows -----

    function listKeys(list) {
      list.addEventListener("keydown", function (event) {
        if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
          return;
        }
        var buttons = Array.prototype.slice.call(list.querySelectorAll(".gc-item"));
        var at = buttons.indexOf(document.activeElement);
        if (at < 0) {
          return;
        }
        event.preventDefault();
        var next = buttons[at + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) {
          next.focus();
        }
      });
    }

    // Replaces a list's rows, keeping the focus on the row that had it.
    function fillList(list, empty, items, render, currentKey) {
      var focused = list.contains(document.activeElement)
        ? document.activeElement.getAttribute("data-key")
        : null;
      clear(list);
      items.forEach(function (item) {
        var li = el("li", "gc-row");
        var button = render(item);
        button.classList.add("gc-item");
        button.type = "button";
        if (currentKey && button.getAttribute("data-key") === currentKey) {
          button.classList.add("gc-current");
          button.setAttribute("aria-current", "true");
        }
        li.appendChild(button);
        list.appendChild(li);
      });
      empty.hidden = items.length > 0;
      if (focused) {
        var again = list.querySelector('.gc-item[data-key="' + cssEscape(focused) + '"]');
        if (again) {
          again.focus();
        }
      }
    }

    function cssEscape(value) {
      return window.CSS && window.CSS.escape ? window.CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
    }

    function statusChip(item) {
      var status = asText(item.status);
      var text = STATUS_LABELS[status] || status;
      if (status === "staff" && item.taken_by) {
        text = asText(item.taken_by) + " 已接入";
      }
      return el("span", "gc-chip gc-status-" + (STATUS_LABELS[status] ? status : "other"), text);
    }

    function conversationRow(item, extra) {
      var id = asText(item.id);
      var button = el("button", "gc-conv-item");
      button.setAttribute("data-key", id);
      var top = el("span", "gc-line");
      var channel = el("span", "gc-chip gc-channel", channelLabel(item.channel));
      channel.title = asText(item.channel);
      top.appendChild(channel);
      var name = el("span", "gc-id", shortId(id));
      name.title = id;
      top.appendChild(name);
      top.appendChild(statusChip(item));
      extra(top, item);
      button.appendChild(top);
      var bottom = el("span", "gc-line gc-sub");
      if (item.reason && item.status !== "bot") {
        bottom.appendChild(codeNode("span", "gc-reason", "reasons", item.reason));
      }
      if (item.topic) {
        bottom.appendChild(codeNode("span", "gc-topic", "intents", item.topic));
      }
      bottom.appendChild(el("span", "gc-last", asText(item.last_text)));
      button.appendChild(bottom);
      button.addEventListener("click", function () {
        conv.open(id);
      });
      return button;
    }

    // ----- 待接入: the queue, refreshed every few seconds whatever the tab -----

    var queue = {
      list: byId("gc-queue-list"),
      empty: byId("gc-queue-empty"),
      count: byId("gc-queue-count"),
      updated: byId("gc-queue-updated"),
      refresh: singleFlight(function () {
        return call("GET", "/api/console/queue")
          .then(function (data) {
            queue.render(asList(data.items));
          })
          .catch(function (err) {
            if (err instanceof ApiError && err.status !== 401) {
              queue.updated.textContent = "刷新失败：" + err.message;
            } else {
              failed(err);
            }
          });
      }),
      render: function (items) {
        fillList(
          queue.list,
          queue.empty,
          items,
          function (item) {
            var button = conversationRow(item, function (top) {
              top.appendChild(el("span", "gc-wait", waited(item.requested_at)));
            });
            if (item.status === "waiting") {
              button.classList.add("gc-waiting");
            }
            return button;
          },
          conv.id,
        );
        var waiting = items.filter(function (item) {
          return item.status === "waiting";
        }).length;
        queue.count.textContent = String(waiting);
        queue.count.hidden = waiting === 0;
        document.title = (waiting ? "(" + waiting + ") " : "") + TEXT.title;
        queue.updated.textContent = "每 5 秒刷新 · " + clock(new Date().toISOString());
      },
    };
    listKeys(queue.list);

    // ----- 会话: every conversation, filtered -----

    var conversations = {
      list: byId("gc-conv-list"),
      empty: byId("gc-conv-empty"),
      channel: byId("gc-conv-channel"),
      status: byId("gc-conv-status"),
      topic: byId("gc-conv-topic"),
      refresh: singleFlight(function () {
        var query = new URLSearchParams();
        if (conversations.channel.value) {
          query.set("channel", conversations.channel.value);
        }
        if (conversations.topic.value) {
          query.set("topic", conversations.topic.value);
        }
        if (conversations.status.value) {
          query.set("status", conversations.status.value);
        }
        query.set("limit", "50");
        return call("GET", "/api/console/conversations?" + query.toString())
          .then(function (data) {
            fillList(
              conversations.list,
              conversations.empty,
              asList(data.items),
              function (item) {
                return conversationRow(item, function (top) {
                  top.appendChild(timeNode(item.last_at, "gc-when"));
                });
              },
              conv.id,
            );
          })
          .catch(failed);
      }),
    };
    listKeys(conversations.list);
    // The filters offer the channels and the bot's topics by their Chinese names (once the labels are in).
    conversations.fillFilters = function () {
      [
        [conversations.channel, Object.keys(LABELS.channels), "channels"],
        [conversations.topic, LABELS.topics, "intents"],
      ].forEach(function (filter) {
        filter[1].forEach(function (code) {
          var option = codeNode("option", "", filter[2], code);
          option.value = code;
          filter[0].appendChild(option);
        });
      });
    };
    byId("gc-conv-filters").addEventListener("submit", function (event) {
      event.preventDefault();
      conversations.refresh();
    });
    conversations.channel.addEventListener("change", conversations.refresh);
    conversations.status.addEventListener("change", conversations.refresh);

    // ----- one conversation: transcript, take, reply, release -----

    var conv = {
      id: "",
      data: null,
      seen: {},
      generation: 0,
      placeholder: byId("gc-conv-placeholder"),
      view: byId("gc-conv-view"),
      title: byId("gc-conv-title"),
      state: byId("gc-conv-state"),
      transcript: byId("gc-transcript"),
      take: byId("gc-take"),
      release: byId("gc-release"),
      form: byId("gc-reply-form"),
      text: byId("gc-reply-text"),
      send: byId("gc-reply-send"),
      hint: byId("gc-reply-hint"),

      open: function (id) {
        if (id !== conv.id) {
          conv.id = id;
          conv.data = null;
          conv.seen = {};
          conv.generation += 1;
          clear(conv.transcript);
          conv.text.value = "";
          conv.title.textContent = channelLabel(id.split(":")[0]) + " · " + id;
          conv.state.textContent = "正在打开…";
          conv.placeholder.hidden = true;
          conv.view.hidden = false;
          markCurrent(id);
        }
        setHash();
        conv.refresh();
      },

      mine: function () {
        return !!conv.data && conv.data.status === "staff" && asText(conv.data.taken_by) === me.username;
      },

      refresh: singleFlight(function () {
        if (!conv.id) {
          return Promise.resolve();
        }
        var id = conv.id;
        var generation = conv.generation;
        return call("GET", conversationPath(id))
          .then(function (data) {
            if (generation === conv.generation) {
              conv.render(data);
            }
          })
          .catch(function (err) {
            if (generation === conv.generation) {
              conv.state.textContent = err instanceof ApiError && err.status ? err.message : TEXT.server;
            }
          });
      }),

      render: function (data) {
        conv.data = data;
        var status = asText(data.status);
        var state = STATUS_LABELS[status] || status;
        if (status === "staff") {
          state = data.taken_by ? "由 " + asText(data.taken_by) + " 接入" : "人工";
          if (conv.mine()) {
            state = "由你接入：机器人不再回答，工友的消息会在这里出现";
          }
        } else if (status === "waiting") {
          state = "等待接入" + (data.reason ? "：" + labelOf("reasons", data.reason) : "");
        } else if (status === "bot") {
          state = "机器人在回答";
        }
        conv.state.textContent = state;
        conv.state.title = status === "waiting" ? asText(data.reason) : "";
        conv.state.className = "gc-conv-state gc-state-" + (STATUS_LABELS[status] ? status : "other");

        var mine = conv.mine();
        var others = status === "staff" && !mine && !!data.taken_by;
        conv.take.hidden = mine;
        conv.take.disabled = others;
        conv.take.title = others ? "已由 " + asText(data.taken_by) + " 接入" : "接入后机器人不再回答";
        conv.release.hidden = !mine;
        var wasHidden = conv.form.hidden;
        conv.form.hidden = !mine;
        conv.hint.textContent = mine ? "" : others ? "已由 " + asText(data.taken_by) + " 接入。" : "接入后才能回复工友。";
        conv.hint.hidden = mine;
        if (mine && wasHidden) {
          conv.text.focus();
        }

        var box = conv.transcript;
        var atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40 || !box.childNodes.length;
        var added = false;
        asList(data.messages).forEach(function (message) {
          var id = asText(message.id);
          if (id && conv.seen[id]) {
            return;
          }
          if (id) {
            conv.seen[id] = true;
          }
          box.appendChild(messageRow(message));
          added = true;
        });
        if (!box.childNodes.length) {
          box.appendChild(el("p", "gc-placeholder", "还没有消息。"));
        } else if (added) {
          var empty = box.querySelector(":scope > .gc-placeholder");
          if (empty) {
            empty.remove();
          }
        }
        if (added && atEnd) {
          box.scrollTop = box.scrollHeight;
        }
      },

      doTake: function () {
        if (!conv.id) {
          return;
        }
        var id = conv.id;
        conv.take.disabled = true;
        call("POST", conversationPath(id, "take"), {})
          .then(function () {
            showNotice("已接入，机器人不再回答这个会话");
          })
          .catch(failed)
          .finally(function () {
            conv.take.disabled = false;
            conv.refresh();
            queue.refresh();
          });
      },

      doRelease: function () {
        if (!conv.id) {
          return;
        }
        conv.release.disabled = true;
        call("POST", conversationPath(conv.id, "release"), {})
          .then(function () {
            showNotice("已交还机器人");
          })
          .catch(failed)
          .finally(function () {
            conv.release.disabled = false;
            conv.refresh();
            queue.refresh();
          });
      },

      doReply: function () {
        var text = conv.text.value.trim();
        if (!conv.id || !text || conv.send.disabled) {
          conv.text.focus();
          return;
        }
        conv.send.disabled = true;
        call("POST", conversationPath(conv.id, "reply"), { text: text })
          .then(function (data) {
            if (conv.text.value.trim() === text) {
              conv.text.value = "";
            }
            if (data && data.delivered === false) {
              showNotice("回复已记下，但没能送到工友那里（对方渠道暂时不通）", "error");
            }
          })
          .catch(failed)
          .finally(function () {
            conv.send.disabled = false;
            conv.text.focus();
            conv.refresh();
          });
      },
    };

    function markCurrent(id) {
      var rows = document.querySelectorAll("#gc-queue-list .gc-item, #gc-conv-list .gc-item");
      for (var i = 0; i < rows.length; i++) {
        var on = rows[i].getAttribute("data-key") === id;
        rows[i].classList.toggle("gc-current", on);
        if (on) {
          rows[i].setAttribute("aria-current", "true");
        } else {
          rows[i].removeAttribute("aria-current");
        }
      }
    }

    function hitLabel(hit) {
      var items = asList(hit.items);
      var label = items.length ? items.map(itemLabel).join("、") : asText(hit.title);
      return (hit.kind === "answer" ? "答复 " : "") + label;
    }

    function evidenceLine(evidence) {
      var line = el("p", "gc-evidence");
      var parts = [];
      if (evidence.intent) {
        parts.push(["意图", codeNode("span", "gc-ev-value gc-intent", "intents", evidence.intent)]);
      }
      if (typeof evidence.confidence === "number") {
        parts.push(["置信度", el("span", "gc-ev-value", score(evidence.confidence))]);
      }
      parts.forEach(function (part) {
        var span = el("span", "gc-ev");
        span.appendChild(el("span", "gc-ev-key", part[0]));
        span.appendChild(document.createTextNode(" "));
        span.appendChild(part[1]);
        line.appendChild(span);
      });
      if (evidence.in_scope === false) {
        line.appendChild(el("span", "gc-ev gc-ev-out", "超出范围"));
      }
      var hits = asList(evidence.hits).slice(0, 3);
      if (hits.length) {
        var span = el("span", "gc-ev");
        span.appendChild(el("span", "gc-ev-key", "命中"));
        hits.forEach(function (hit, index) {
          var one = el("span", "gc-ev-hit", (index ? "；" : " ") + hitLabel(hit) + " " + score(hit.score));
          if (hit.title) {
            one.title = asText(hit.title);
          }
          span.appendChild(one);
        });
        line.appendChild(span);
      }
      return line;
    }

    function citationBlock(citations) {
      var details = el("details", "gc-cites");
      var heads = citations.map(function (c) {
        var head = [];
        if (c.item !== undefined && c.item !== null && c.item !== "") {
          head.push(itemLabel(c.item));
        }
        if (c.title) {
          head.push(asText(c.title));
        }
        return head.join(" ");
      });
      details.appendChild(el("summary", "gc-cites-summary", "引用：" + heads.filter(Boolean).join("；")));
      citations.forEach(function (c, index) {
        var item = el("div", "gc-cite");
        if (heads[index]) {
          item.appendChild(el("p", "gc-cite-title", heads[index]));
        }
        if (c.quote) {
          item.appendChild(el("blockquote", "gc-quote", asText(c.quote)));
        }
        var departments = asList(c.departments).map(asText).filter(Boolean);
        if (departments.length) {
          item.appendChild(el("p", "gc-depts", "责任单位：" + departments.join("、")));
        }
        if (c.doc) {
          item.appendChild(el("p", "gc-doc", "《" + asText(c.doc).replace(/^《|》$/g, "") + "》"));
        }
        details.appendChild(item);
      });
      return details;
    }

    // A button's payload ("/ask_human", "/choose_item{...}") by its intent's name; "" when not one.
    function payloadLabel(text) {
      var match = /^\/([a-z_]{1,60})(\{[\s\S]*\})?$/.exec(asText(text));
      if (!match || labelOf("intents", match[1]) === match[1]) {
        return "";
      }
      var label = labelOf("intents", match[1]);
      try {
        var entities = match[2] ? JSON.parse(match[2]) : null;
        if (entities && (typeof entities.item === "number" || /^\d+$/.test(asText(entities.item)))) {
          label += " " + itemLabel(entities.item);
        }
      } catch (e) {
        // entities that are not JSON: the intent's name is enough
      }
      return label;
    }

    function messageRow(message) {
      var role = WHO[message.role] ? message.role : "bot";
      var row = el("div", "gc-msg gc-msg-" + role);
      if (message.id) {
        row.setAttribute("data-id", asText(message.id));
      }
      var meta = el("p", "gc-msg-meta");
      meta.appendChild(el("span", "gc-who", WHO[role]));
      meta.appendChild(timeNode(message.at, "gc-when"));
      row.appendChild(meta);
      // A button pressed through a channel that sent no title is stored as its payload.
      var pressed = role === "user" ? payloadLabel(message.text) : "";
      var bubble = el("div", "gc-bubble", pressed ? "（按钮）" + pressed : asText(message.text));
      if (pressed) {
        bubble.title = asText(message.text);
        bubble.setAttribute("data-code", asText(message.text));
      }
      row.appendChild(bubble);
      if (role === "bot" && message.evidence && typeof message.evidence === "object") {
        row.appendChild(evidenceLine(message.evidence));
      }
      // The buttons the worker was offered (their titles, as the worker saw them).
      var offered = asList(message.buttons)
        .map(function (b) {
          return b && typeof b === "object" ? asText(b.title) || payloadLabel(b.payload) || asText(b.payload) : "";
        })
        .filter(Boolean);
      if (offered.length) {
        row.appendChild(el("p", "gc-buttons", "按钮：" + offered.join(" ｜ ")));
      }
      var citations = asList(message.citations).filter(function (c) {
        return c && typeof c === "object";
      });
      if (citations.length) {
        row.appendChild(citationBlock(citations));
      }
      return row;
    }

    conv.take.addEventListener("click", conv.doTake);
    conv.release.addEventListener("click", conv.doRelease);
    conv.form.addEventListener("submit", function (event) {
      event.preventDefault();
      conv.doReply();
    });
    conv.text.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        conv.doReply();
      }
    });

    // ----- 案件 -----

    var cases = {
      list: byId("gc-case-list"),
      empty: byId("gc-case-empty"),
      status: byId("gc-case-status"),
      q: byId("gc-case-q"),
      placeholder: byId("gc-case-placeholder"),
      view: byId("gc-case-view"),
      items: {},
      open: "",
      refresh: singleFlight(function () {
        var query = new URLSearchParams();
        if (cases.status.value) {
          query.set("status", cases.status.value);
        }
        if (cases.q.value.trim()) {
          query.set("q", cases.q.value.trim());
        }
        return call("GET", "/api/console/cases" + (query.toString() ? "?" + query.toString() : ""))
          .then(function (data) {
            var items = asList(data.items);
            cases.items = {};
            items.forEach(function (item) {
              cases.items[asText(item.case_number)] = item;
            });
            fillList(cases.list, cases.empty, items, caseRow, cases.open);
            if (cases.open && cases.items[cases.open] && cases.view.hidden) {
              cases.show(cases.items[cases.open]);
            }
          })
          .catch(failed);
      }),
      select: function (number) {
        cases.open = number;
        var rows = cases.list.querySelectorAll(".gc-item");
        for (var i = 0; i < rows.length; i++) {
          var on = rows[i].getAttribute("data-key") === number;
          rows[i].classList.toggle("gc-current", on);
          if (on) {
            rows[i].setAttribute("aria-current", "true");
          } else {
            rows[i].removeAttribute("aria-current");
          }
        }
        if (cases.items[number]) {
          cases.show(cases.items[number]);
        }
        setHash();
      },
      show: function (item) {
        renderCase(item);
        cases.placeholder.hidden = true;
        cases.view.hidden = false;
      },
      update: function (item) {
        var number = asText(item.case_number);
        cases.items[number] = item;
        var old = cases.list.querySelector('.gc-item[data-key="' + cssEscape(number) + '"]');
        if (old) {
          var fresh = caseRow(item);
          fresh.classList.add("gc-item");
          fresh.type = "button";
          if (number === cases.open) {
            fresh.classList.add("gc-current");
            fresh.setAttribute("aria-current", "true");
          }
          old.replaceWith(fresh);
        }
        if (number === cases.open) {
          cases.show(item);
        }
      },
    };
    listKeys(cases.list);

    function caseStatusClass(status) {
      return "gc-chip gc-case-" + (/^(received|processing|closed)$/.test(asText(status)) ? status : "other");
    }

    function caseRow(item) {
      var number = asText(item.case_number);
      var details = item.details && typeof item.details === "object" ? item.details : {};
      var button = el("button", "gc-case-item");
      button.setAttribute("data-key", number);
      var top = el("span", "gc-line");
      top.appendChild(el("span", "gc-id gc-case-number", number));
      top.appendChild(el("span", caseStatusClass(item.status), asText(item.status_label) || asText(item.status)));
      if (asList(details.needs_review).length) {
        top.appendChild(el("span", "gc-chip gc-review", "待核实"));
      }
      top.appendChild(timeNode(item.created_at, "gc-when"));
      button.appendChild(top);
      var summary = [details.employer, details.amount_text, details.place].map(asText).filter(Boolean).join(" · ");
      button.appendChild(el("span", "gc-line gc-sub", summary || "（没有详情）"));
      button.addEventListener("click", function () {
        cases.select(number);
      });
      return button;
    }

    function fieldLabel(name) {
      var key = asText(name).replace(/^wage_/, "");
      if (key === "amount" || key === "amount_yuan") {
        key = "amount_text";
      }
      for (var i = 0; i < CASE_FIELDS.length; i++) {
        if (CASE_FIELDS[i][0] === key) {
          return CASE_FIELDS[i][1];
        }
      }
      return asText(name);
    }

    function renderCase(item) {
      var view = cases.view;
      clear(view);
      var number = asText(item.case_number);
      var details = item.details && typeof item.details === "object" ? item.details : {};
      var head = el("div", "gc-detail-head");
      var titles = el("div", "gc-detail-titles");
      titles.appendChild(el("h2", "gc-heading", "案件 " + number));
      var state = el("p", "gc-conv-state");
      state.appendChild(el("span", caseStatusClass(item.status) + " gc-case-status", asText(item.status_label)));
      state.appendChild(
        document.createTextNode(" 登记于 " + fullTime(item.created_at) + " · 更新于 " + fullTime(item.updated_at)),
      );
      titles.appendChild(state);
      head.appendChild(titles);
      view.appendChild(head);

      var review = asList(details.needs_review);
      if (review.length) {
        view.appendChild(el("p", "gc-warn", "机器人没听清，需要核实：" + review.map(fieldLabel).join("、")));
      }
      var list = el("dl", "gc-fields");
      CASE_FIELDS.forEach(function (field) {
        var value = details[field[0]];
        var text = Array.isArray(value) ? value.map(asText).join("、") : asText(value);
        list.appendChild(el("dt", "", field[1]));
        list.appendChild(el("dd", "", text || "—"));
      });
      view.appendChild(list);
      if (item.status_note) {
        view.appendChild(el("p", "gc-note", "备注：" + asText(item.status_note)));
      }

      var form = el("form", "gc-case-form");
      form.appendChild(el("h3", "gc-subheading", "更新状态"));
      var row = el("div", "gc-line");
      var label = el("label", "gc-inline", "状态 ");
      var select = el("select", "gc-case-new-status");
      CASE_STATUSES.forEach(function (s) {
        var option = el("option", "", s[1]);
        option.value = s[0];
        option.selected = s[0] === item.status;
        select.appendChild(option);
      });
      label.appendChild(select);
      row.appendChild(label);
      form.appendChild(row);
      var note = el("textarea", "gc-input gc-case-note");
      note.rows = 2;
      note.maxLength = 500;
      note.placeholder = "备注（例如：已电话联系工友，转劳动监察）";
      note.setAttribute("aria-label", "备注");
      form.appendChild(note);
      var save = el("button", "gc-button gc-primary gc-case-save", "保存");
      save.type = "submit";
      form.appendChild(save);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        save.disabled = true;
        call("POST", "/api/console/cases/" + encodeURIComponent(number) + "/status", {
          status: select.value,
          note: note.value.trim(),
        })
          .then(function (updated) {
            var fresh = updated && updated.case_number ? updated : null;
            if (fresh) {
              cases.update(fresh);
              showNotice("案件 " + number + " 已更新为：" + asText(fresh.status_label));
            } else {
              cases.refresh();
            }
          })
          .catch(failed)
          .finally(function () {
            save.disabled = false;
          });
      });
      view.appendChild(form);
    }

    byId("gc-case-filters").addEventListener("submit", function (event) {
      event.preventDefault();
      cases.refresh();
    });
    cases.status.addEventListener("change", cases.refresh);

    // ----- 知识检索: what the bot's search finds for a question -----

    var search = {
      form: byId("gc-search-form"),
      q: byId("gc-search-q"),
      summary: byId("gc-search-summary"),
      hits: byId("gc-search-hits"),
      run: function () {
        var q = search.q.value.trim();
        if (!q) {
          search.q.focus();
          return;
        }
        search.summary.hidden = false;
        search.summary.className = "gc-summary";
        search.summary.textContent = "正在检索…";
        call("GET", "/api/console/search?q=" + encodeURIComponent(q))
          .then(function (data) {
            search.render(data);
          })
          .catch(function (err) {
            search.summary.textContent = "";
            search.summary.hidden = true;
            failed(err);
          });
      },
      render: function (data) {
        clear(search.hits);
        var inScope = data.in_scope !== false;
        search.summary.className = "gc-summary " + (inScope ? "gc-in" : "gc-out");
        search.summary.textContent =
          (inScope ? "在服务范围内" : "不在服务范围内") + " · 置信度 " + score(data.confidence);
        var hits = asList(data.hits);
        if (!hits.length) {
          search.hits.appendChild(el("li", "gc-empty", "没有命中。"));
        }
        hits.forEach(function (hit) {
          var li = el("li", "gc-hit");
          var top = el("p", "gc-line gc-hit-head");
          top.appendChild(el("span", "gc-chip gc-kind", KIND_LABELS[asText(hit.kind)] || asText(hit.kind)));
          var items = asList(hit.items);
          if (items.length) {
            top.appendChild(el("span", "gc-hit-items", items.map(itemLabel).join("、")));
          }
          top.appendChild(el("span", "gc-hit-title", asText(hit.title)));
          top.appendChild(el("span", "gc-score", score(hit.score)));
          li.appendChild(top);
          var departments = asList(hit.departments).map(asText).filter(Boolean);
          if (departments.length) {
            li.appendChild(el("p", "gc-depts", "责任单位：" + departments.join("、")));
          }
          asList(hit.quotes).forEach(function (quote) {
            li.appendChild(el("blockquote", "gc-quote", asText(quote)));
          });
          var answerText = asText(hit.text) || asText(hit.answer);
          if (answerText) {
            var answer = el("div", "gc-answer");
            answer.appendChild(el("p", "gc-answer-label", "审定答复"));
            answer.appendChild(el("div", "gc-answer-text", answerText));
            li.appendChild(answer);
          }
          search.hits.appendChild(li);
        });
      },
    };
    search.form.addEventListener("submit", function (event) {
      event.preventDefault();
      search.run();
    });

    // ----- 质量: the figures for a period, the charts, and what the bot could not answer -----

    function isNumber(value) {
      return typeof value === "number" && isFinite(value);
    }

    // 0.8 → "80%", 1/3 → "33.3%"; no data → "—".
    function percent(ratio) {
      if (!isNumber(ratio)) {
        return "—";
      }
      var p = Math.round(ratio * 1000) / 10;
      return (p % 1 ? p.toFixed(1) : String(p)) + "%";
    }

    function topicLabel(topic) {
      return labelOf("intents", topic);
    }

    // The period's totals from the daily figures: each day's rate weighed by its count.
    function sumFigures(daily) {
      var t = {
        messages: 0,
        days: daily.length,
        fallback: 0,
        fallbackOf: 0,
        handoff: 0,
        handoffOf: 0,
        up: 0,
        ratings: 0,
        channels: {},
        topics: {},
      };
      daily.forEach(function (day) {
        if (!day || typeof day !== "object") {
          return;
        }
        var messages = isNumber(day.messages) ? day.messages : 0;
        t.messages += messages;
        if (isNumber(day.fallback_rate)) {
          t.fallback += day.fallback_rate * messages;
          t.fallbackOf += messages;
        }
        if (isNumber(day.handoff_rate)) {
          t.handoff += day.handoff_rate * messages;
          t.handoffOf += messages;
        }
        var ratings = isNumber(day.ratings) ? day.ratings : 0;
        if (isNumber(day.satisfaction) && ratings) {
          t.up += day.satisfaction * ratings;
          t.ratings += ratings;
        }
        [
          [day.by_channel, t.channels],
          [day.by_topic, t.topics],
        ].forEach(function (pair) {
          var counts = pair[0] && typeof pair[0] === "object" ? pair[0] : {};
          Object.keys(counts).forEach(function (key) {
            if (isNumber(counts[key])) {
              pair[1][key] = (pair[1][key] || 0) + counts[key];
            }
          });
        });
      });
      return t;
    }

    function fillTable(table, counts, label) {
      var body = table.tBodies[0];
      clear(body);
      var keys = Object.keys(counts).sort(function (a, b) {
        return counts[b] - counts[a] || (a < b ? -1 : a > b ? 1 : 0);
      });
      if (!keys.length) {
        var none = el("td", "gc-none", "暂无数据");
        none.colSpan = 2;
        body.appendChild(el("tr")).appendChild(none);
        return;
      }
      keys.forEach(function (key) {
        var row = el("tr");
        var name = el("td", "", label(key));
        name.setAttribute("data-key", key);
        name.title = key;
        row.appendChild(name);
        row.appendChild(el("td", "gc-num", counts[key]));
        body.appendChild(row);
      });
    }

    var quality = {
      days: byId("gc-quality-days"),
      updated: byId("gc-quality-updated"),
      charts: byId("gc-quality-charts"),
      channels: byId("gc-quality-channels"),
      topics: byId("gc-quality-topics"),
      gaps: byId("gc-gaps-list"),
      gapsEmpty: byId("gc-gaps-empty"),
      gapsStatus: byId("gc-gaps-status"),
      images: {},
      generation: 0,

      period: function () {
        return QUALITY_DAYS.indexOf(quality.days.value) >= 0 ? quality.days.value : "30";
      },

      // The chart images are made on first use: nothing is fetched until the tab is opened.
      drawCharts: function (days) {
        CHARTS.forEach(function (chart) {
          var img = quality.images[chart[0]];
          if (!img) {
            var figure = el("figure", "gc-chart");
            img = el("img", "gc-chart-img");
            img.width = 640;
            img.height = 220;
            img.decoding = "async";
            img.setAttribute("data-metric", chart[0]);
            img.addEventListener("load", function () {
              figure.classList.remove("gc-chart-failed");
            });
            img.addEventListener("error", function () {
              figure.classList.add("gc-chart-failed");
            });
            figure.appendChild(img);
            figure.appendChild(el("figcaption", "gc-chart-failed-text", chart[1] + "：图没能加载，请点刷新"));
            quality.charts.appendChild(figure);
            quality.images[chart[0]] = img;
          }
          img.alt = chart[1] + "（最近 " + days + " 天）";
          // A fresh address each time: the same address would not be fetched again.
          img.src =
            "/api/console/quality/chart/" + chart[0] + ".svg?days=" + encodeURIComponent(days) + "&t=" + Date.now();
        });
      },

      showTotals: function (t) {
        function put(id, value, note) {
          byId(id).textContent = value;
          byId(id + "-note").textContent = note;
        }
        put(
          "gc-q-messages",
          t.days ? String(t.messages) : "—",
          t.days ? "平均每天 " + Math.round((t.messages / t.days) * 10) / 10 + " 条" : "没有数据",
        );
        put(
          "gc-q-fallback",
          t.fallbackOf ? percent(t.fallback / t.fallbackOf) : "—",
          t.fallbackOf ? Math.round(t.fallback) + " / " + t.fallbackOf + " 条没答上" : "没有数据",
        );
        put(
          "gc-q-handoff",
          t.handoffOf ? percent(t.handoff / t.handoffOf) : "—",
          t.handoffOf ? Math.round(t.handoff) + " / " + t.handoffOf + " 条转了人工" : "没有数据",
        );
        var up = Math.round(t.up);
        put(
          "gc-q-satisfaction",
          t.ratings ? percent(t.up / t.ratings) : "—",
          t.ratings ? t.ratings + " 次评价（满意 " + up + " · 不满意 " + (t.ratings - up) + "）" : "还没有评价",
        );
      },

      showGaps: function (items) {
        clear(quality.gaps);
        items.forEach(function (item) {
          if (!item || typeof item !== "object") {
            return;
          }
          var question = asText(item.question);
          var li = el("li", "gc-gap");
          var head = el("div", "gc-line gc-gap-head");
          head.appendChild(el("span", "gc-gap-question", question));
          var count = el("span", "gc-chip gc-gap-count", "×" + (isNumber(item.count) ? item.count : 1));
          count.title = "问过 " + (isNumber(item.count) ? item.count : 1) + " 次";
          head.appendChild(count);
          var last = timeNode(item.last_at, "gc-when");
          if (last.title) {
            last.title = "最近一次：" + last.title;
          }
          head.appendChild(last);
          var url = asText(item.new_answer_url);
          var link = el("a", "gc-button gc-gap-link", "写审定答复");
          // Only the admin's own form: never an address the data could choose.
          link.href = url.indexOf("/console/admin/") === 0 ? url : NEW_ANSWER_PATH + encodeURIComponent(question);
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          link.title =
            me.role === "staff"
              ? "在知识管理里写一条审定答复（问题已填好）；需要编辑或管理员权限"
              : "在知识管理里写一条审定答复（问题已填好）";
          head.appendChild(link);
          li.appendChild(head);
          var examples = asList(item.examples).map(asText).filter(Boolean).slice(0, 5);
          if (examples.length) {
            var details = el("details", "gc-gap-examples");
            details.appendChild(el("summary", "", "工友的问法（" + examples.length + " 种）"));
            var list = el("ul", "gc-gap-example-list");
            examples.forEach(function (text) {
              list.appendChild(el("li", "gc-gap-example", text));
            });
            details.appendChild(list);
            li.appendChild(details);
          }
          quality.gaps.appendChild(li);
        });
        quality.gapsEmpty.hidden = quality.gaps.childNodes.length > 0;
      },

      refresh: function () {
        var days = quality.period();
        quality.days.value = days;
        var generation = (quality.generation += 1);
        var current = function () {
          return generation === quality.generation;
        };
        quality.drawCharts(days);
        quality.updated.textContent = "正在统计…";
        quality.gapsStatus.hidden = false;
        quality.gapsStatus.className = "gc-summary gc-gaps-status";
        quality.gapsStatus.textContent = "正在把相近的问题归类…";
        var query = "?days=" + encodeURIComponent(days);
        var figures = call("GET", "/api/console/quality/figures" + query).then(function (data) {
          if (current()) {
            var t = sumFigures(asList(data.daily));
            quality.showTotals(t);
            fillTable(quality.channels, t.channels, channelLabel);
            fillTable(quality.topics, t.topics, topicLabel);
          }
        });
        var gaps = call("GET", "/api/console/quality/gaps" + query).then(
          function (data) {
            if (current()) {
              quality.gapsStatus.hidden = true;
              quality.showGaps(asList(data.items));
            }
          },
          function (err) {
            if (current()) {
              quality.gapsStatus.className = "gc-summary gc-out";
              quality.gapsStatus.textContent =
                "没能列出答不上来的问题：" + (err instanceof ApiError && err.message ? err.message : TEXT.server);
            }
            throw err;
          },
        );
        Promise.all([figures, gaps])
          .then(function () {
            if (current()) {
              quality.updated.textContent = "最近 " + days + " 天 · 更新于 " + clock(new Date().toISOString());
            }
          })
          .catch(function (err) {
            if (current()) {
              quality.updated.textContent = "刷新失败";
              failed(err);
            }
          });
        setHash();
      },
    };
    byId("gc-quality-form").addEventListener("submit", function (event) {
      event.preventDefault();
      quality.refresh();
    });
    quality.days.addEventListener("change", quality.refresh);

    // ----- header, keys, timers -----

    byId("gc-logout").addEventListener("click", function () {
      request("POST", "/api/auth/logout", {}).finally(goToLogin);
    });

    document.addEventListener("keydown", function (event) {
      if (event.altKey && !event.ctrlKey && !event.metaKey && /^[1-5]$/.test(event.key)) {
        event.preventDefault();
        switchTab(tabs[parseInt(event.key, 10) - 1].getAttribute("data-tab"), false);
        return;
      }
      var target = event.target;
      var typing =
        target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        var box = panels[tab].querySelector("[data-search]");
        if (box) {
          event.preventDefault();
          box.focus();
          box.select();
        }
      }
    });

    setInterval(queue.refresh.poll, QUEUE_POLL_MS);
    setInterval(function () {
      if (!conversationPane.hidden && !document.hidden) {
        conv.refresh.poll();
      }
    }, CONVERSATION_POLL_MS);
    setInterval(function () {
      if (tab === "conversations" && !document.hidden) {
        conversations.refresh.poll();
      }
    }, CONVERSATIONS_POLL_MS);

    // ----- start: who is signed in, then the tab in the address -----

    function start() {
      var hash = window.location.hash.replace(/^#/, "");
      var slash = hash.indexOf("/");
      var name = slash >= 0 ? hash.slice(0, slash) : hash;
      var open = "";
      try {
        open = slash >= 0 ? decodeURIComponent(hash.slice(slash + 1)) : "";
      } catch (e) {
        open = "";
      }
      if (!panels[name]) {
        name = "queue";
      }
      if (open && name === "cases") {
        cases.open = open;
      } else if (name === "quality" && QUALITY_DAYS.indexOf(open) >= 0) {
        quality.days.value = open;
      } else if (open && (name === "queue" || name === "conversations")) {
        conv.open(open);
      }
      switchTab(name, false);
      if (name !== "queue") {
        queue.refresh();
      }
    }

    // Who is signed in and the labels, together; the console shows codes if the labels fail.
    var labelsLoaded = call("GET", "/api/console/labels").then(useLabels, function (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        showNotice("没能取到中文名称，暂时显示代码", "error");
      }
    });
    Promise.all([call("GET", "/api/auth/me"), labelsLoaded])
      .then(function (results) {
        var data = results[0];
        me.username = asText(data.username);
        me.role = asText(data.role);
        byId("gc-me").textContent = me.username + "（" + (ROLE_LABELS[me.role] || me.role) + "）";
        // Editors and admins also keep the knowledge: one click to its pages.
        byId("gc-admin-link").hidden = !(me.role === "editor" || me.role === "admin");
        conversations.fillFilters();
        main.hidden = false;
        start();
      })
      .catch(failed);
  }

  var page = document.body ? document.body.getAttribute("data-page") : "";
  if (page === "login") {
    initLogin();
  } else if (page === "console") {
    initConsole();
  }
})();
