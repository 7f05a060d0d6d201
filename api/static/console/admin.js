/*
 * 工友助手 knowledge administration, for the office's editors: entries by kind, drafts,
 * publishing, history with diffs and rollback, the audit log, new approved answers.
 *
 * The workflow is safe by design: an edit is saved as a draft (workers see nothing yet);
 * publishing is a separate, confirmed step; a stale edit (someone saved meanwhile) is
 * refused by the api and the editor's text stays in the form. Every text from the server
 * is put in the page with textContent, never as HTML; no inline styles or handlers (strict
 * CSP). State-changing requests are JSON; the session is an HttpOnly cookie.
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
  var ADMIN_PATH = "/console/admin";
  var NEW_ANSWER_PATH = "/console/admin/answers/new";
  var API = "/api/admin";
  var NOTICE_MS = 8000;
  var DRAFTS_POLL_MS = 30000;

  var TEXT = {
    network: "网络不通，请检查网络后再试",
    server: "服务器出错了，请稍后再试",
    forbidden: "需要编辑权限",
    notFound: "没有找到这一条",
    conflict: "别人刚改过这一条，请刷新后再改",
    invalid: "提交的内容格式不对",
    expired: "登录已过期。你的修改还在这里：请在新窗口打开工作台重新登录，再回来点“保存草稿”。",
    unsavedLeave: "这一条有没保存的修改，确定要离开吗？",
  };
  var ROLE_RANK = { staff: 0, editor: 1, admin: 2 };
  var ROLE_LABELS = { staff: "工作人员", editor: "编辑", admin: "管理员" };
  var KIND_LABELS = { document: "文件信息", item: "政策条款", questions: "常见问法", answer: "审定答复" };
  var ACTION_LABELS = {
    import: "导入",
    create: "新增",
    draft: "保存草稿",
    retire: "退役",
    publish: "发布",
    rollback: "回滚",
  };
  var RETIRABLE = { questions: true, answer: true };
  var ANSWER_ID = /^[a-z][a-z0-9_]{1,59}$/;

  // What an editor changes in each kind of entry, in the order of the form.
  // line: one line of text; text: a long text; lines: a list, one per line; numbers: 3, 6.
  var FIELDS = {
    item: [
      { name: "title", label: "标题", type: "line", max: 60 },
      { name: "text", label: "正文", type: "text", max: 3000, rows: 10 },
      { name: "departments_text", label: "负责部门（文件原文）", type: "line", max: 300 },
      { name: "departments", label: "负责部门（一行一个）", type: "lines", rows: 5 },
      { name: "lead", label: "牵头部门（一行一个，必须是负责部门之一）", type: "lines", rows: 3 },
    ],
    questions: [{ name: "questions", label: "工友的问法（一行一个）", type: "lines", rows: 14 }],
    answer: [
      { name: "topic", label: "话题（英文小写，如 unpaid_wages）", type: "line", max: 60 },
      { name: "title", label: "标题", type: "line", max: 60 },
      { name: "answer", label: "答复（工友在手机上看，写得短一些）", type: "text", max: 400, rows: 8 },
      { name: "items", label: "引用的政策条目（数字，用逗号隔开，如 3, 6）", type: "numbers" },
      { name: "questions", label: "工友的问法（一行一个）", type: "lines", rows: 7 },
      { name: "contacts", label: "联系电话（编号，一行一个，如 hotline_12333）", type: "lines", rows: 2 },
    ],
    document: [],
  };
  // Shown, never edited: the printed structure of the plan.
  var SHOWN_ONLY = { item: [["marker", "序号"], ["part", "所属部分"], ["part_title", "部分标题"]] };

  // ---------- small helpers ----------

  function fullTime(value) {
    var text = asText(value);
    var t = Date.parse(text);
    if (isNaN(t)) {
      return text;
    }
    var d = new Date(t);
    return (
      d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes())
    );
  }

  // item:3 → 第（三）项; questions:3 → 第（三）项的问法; answer:wages_owed → wages_owed.
  function keyLabel(key) {
    var text = asText(key);
    var match = /^(item|questions):(\d+)$/.exec(text);
    if (match) {
      var label = "第（" + chineseNumber(parseInt(match[2], 10)) + "）项";
      return match[1] === "questions" ? label + "的问法" : label;
    }
    return text.indexOf("answer:") === 0 ? text.slice(7) : text;
  }

  function kindOfKey(key) {
    var text = asText(key);
    var colon = text.indexOf(":");
    return colon > 0 ? text.slice(0, colon) : text;
  }

  function entryPath(key, action) {
    return API + "/entries/" + encodeURIComponent(key) + (action ? "/" + action : "");
  }

  function titleOf(content) {
    var c = content || {};
    return asText(c.title) || asText(asList(c.questions)[0]);
  }

  function seconds(report) {
    var s = (report && report.seconds) || {};
    var total = typeof s.total === "number" ? s.total : null;
    if (total === null) {
      total = 0;
      Object.keys(s).forEach(function (k) {
        if (typeof s[k] === "number") {
          total += s[k];
        }
      });
    }
    return total < 0.1 ? total.toFixed(2) : total.toFixed(1);
  }

  function newAnswerId() {
    var d = new Date();
    return (
      "a_" + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "_" +
      pad(d.getHours()) + pad(d.getMinutes()) + pad(d.getSeconds())
    );
  }

  // ---------- talking to the api ----------

  function errorText(result) {
    switch (result.status) {
      case 0:
        return TEXT.network;
      case 400:
        return detailOf(result, TEXT.invalid);
      case 403:
        return TEXT.forbidden;
      case 404:
        return detailOf(result, TEXT.notFound);
      case 409:
        return TEXT.conflict;
      case 413:
      case 415:
      case 422:
        return TEXT.invalid;
      default:
        return result.status >= 500 && result.status !== 503 ? TEXT.server : detailOf(result, TEXT.server);
    }
  }

  // ---------- the page ----------

  function initAdmin() {
    var main = byId("ga-main");
    var notice = byId("gc-notice");
    var noticeTimer = null;
    var leaving = false;
    var tabs = Array.prototype.slice.call(document.querySelectorAll(".gc-tab"));
    var kindButtons = Array.prototype.slice.call(document.querySelectorAll(".ga-kind"));
    var subTabs = Array.prototype.slice.call(document.querySelectorAll(".ga-subtab"));
    var panes = { edit: byId("ga-pane-edit"), history: byId("ga-pane-history"), audit: byId("ga-pane-audit") };

    var list = byId("ga-list");
    var listEmpty = byId("ga-list-empty");
    var filterBox = byId("ga-filter");
    var placeholder = byId("ga-placeholder");
    var entryView = byId("ga-entry");
    var form = byId("ga-form");
    var formFields = byId("ga-form-fields");
    var formError = byId("ga-form-error");
    var noteBox = byId("ga-note");
    var effectiveBox = byId("ga-effective");
    var newIdField = byId("ga-new-id-field");
    var newIdBox = byId("ga-new-id");
    var saveButton = byId("ga-save");
    var reloadButton = byId("ga-reload");
    var retireButton = byId("ga-retire");
    var publishOneButton = byId("ga-publish-one");

    var state = {
      me: { username: "", role: "" },
      tab: "entries",
      kind: "item",
      entries: [],
      drafts: [],
      // The open entry: key (null for a new answer not saved yet), kind, the api's entry,
      // base (the version the form was loaded from: sent back for optimistic locking).
      current: null,
      sub: "edit",
      inputs: {},
      dirty: false,
      saving: false,
      versions: [],
      picked: [],
    };

    // ----- requests with the session -----

    function goToLogin() {
      if (!leaving) {
        leaving = true;
        state.dirty = false;
        window.location.replace(LOGIN_PATH);
      }
    }

    // Signed out while typing: keep the text, say how to go on; otherwise to the login page.
    function sessionExpired() {
      if (state.dirty) {
        showFormError(TEXT.expired);
      } else {
        goToLogin();
      }
    }

    function showForbidden() {
      state.dirty = false;
      main.hidden = true;
      byId("ga-forbidden").hidden = false;
    }

    // Resolves with the data of a 2xx; rejects with an ApiError otherwise.
    function call(method, path, body) {
      return request(method, path, body).then(function (result) {
        if (result.status === 401) {
          sessionExpired();
          throw new ApiError(401, "");
        }
        if (!result.ok) {
          throw new ApiError(result.status, errorText(result));
        }
        return result.data || {};
      });
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

    function confirmLeave() {
      return !state.dirty || window.confirm(TEXT.unsavedLeave);
    }

    // ----- the address: #entries/<key>, #drafts, #audit -----

    function setAddress() {
      var current = state.current;
      if (state.tab === "entries" && current && !current.key) {
        return; // a new answer not saved yet: the address stays as it was opened
      }
      var hash = "#" + state.tab;
      if (state.tab === "entries" && current && current.key) {
        hash += "/" + encodeURIComponent(current.key);
      }
      var target = ADMIN_PATH + hash;
      if (window.location.pathname + window.location.hash !== target && window.history.replaceState) {
        window.history.replaceState(null, "", target + "");
      }
    }

    // ----- header tabs -----

    function switchTab(name, focusTab) {
      state.tab = name;
      tabs.forEach(function (tab) {
        var selected = tab.getAttribute("data-tab") === name;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        if (selected && focusTab) {
          tab.focus();
        }
      });
      main.setAttribute("data-tab", name);
      byId("ga-panel-entries").hidden = name !== "entries";
      byId("ga-detail").hidden = name !== "entries";
      byId("ga-panel-drafts").hidden = name !== "drafts";
      byId("ga-panel-audit").hidden = name !== "audit";
      if (name === "drafts") {
        loadDrafts();
      } else if (name === "audit") {
        loadAudit();
      }
      setAddress();
    }

    tabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        switchTab(tab.getAttribute("data-tab"), false);
      });
      tab.addEventListener("keydown", function (event) {
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          event.preventDefault();
          var step = event.key === "ArrowRight" ? 1 : -1;
          var next = tabs[(index + step + tabs.length) % tabs.length];
          switchTab(next.getAttribute("data-tab"), true);
        }
      });
    });

    // ----- the list of entries -----

    function setKind(kind) {
      state.kind = kind;
      kindButtons.forEach(function (button) {
        button.setAttribute("aria-pressed", button.getAttribute("data-kind") === kind ? "true" : "false");
      });
      return loadList();
    }

    function loadList() {
      var kind = state.kind;
      return call("GET", API + "/entries?kind=" + encodeURIComponent(kind))
        .then(function (data) {
          if (kind === state.kind) {
            state.entries = asList(data.items);
            renderList();
          }
        })
        .catch(function (err) {
          if (err instanceof ApiError && err.status === 403) {
            showForbidden();
          } else {
            failed(err);
          }
        });
    }

    function statusLine(entry) {
      var parts = [];
      if (entry.published_version) {
        parts.push("线上第" + entry.published_version + "版");
      } else {
        parts.push("还没发布");
      }
      return parts.join(" · ");
    }

    function renderList() {
      clear(list);
      var query = filterBox.value.trim().toLowerCase();
      var openKey = state.current && state.current.key;
      var shown = state.entries.filter(function (entry) {
        var haystack = (asText(entry.key) + " " + keyLabel(entry.key) + " " + asText(entry.title)).toLowerCase();
        return !query || haystack.indexOf(query) >= 0;
      });
      shown.forEach(function (entry) {
        var key = asText(entry.key);
        var li = el("li", "gc-row");
        var button = el("button", "gc-item ga-entry-row");
        button.type = "button";
        button.setAttribute("data-key", key);
        if (key === openKey) {
          button.classList.add("gc-current");
          button.setAttribute("aria-current", "true");
        }
        var top = el("span", "gc-line");
        top.appendChild(el("span", "gc-id", keyLabel(key)));
        top.appendChild(el("span", "gc-last", asText(entry.title)));
        button.appendChild(top);
        var sub = el("span", "gc-line gc-sub");
        sub.appendChild(el("span", "ga-versions-line", statusLine(entry)));
        if (entry.has_draft) {
          sub.appendChild(el("span", "gc-chip gc-review ga-chip-draft", "草稿第" + entry.latest_version + "版"));
        }
        if (entry.retired) {
          sub.appendChild(el("span", "gc-chip ga-chip-retired", "已退役"));
        }
        if (entry.effective_date) {
          sub.appendChild(el("span", "gc-when", "生效 " + asText(entry.effective_date)));
        }
        button.appendChild(sub);
        button.addEventListener("click", function () {
          openEntry(key);
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      listEmpty.hidden = shown.length > 0;
    }

    kindButtons.forEach(function (button) {
      button.addEventListener("click", function () {
        setKind(button.getAttribute("data-kind"));
      });
    });
    filterBox.addEventListener("input", renderList);
    list.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
        return;
      }
      var buttons = Array.prototype.slice.call(list.querySelectorAll(".gc-item"));
      var at = buttons.indexOf(document.activeElement);
      var next = buttons[at + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) {
        event.preventDefault();
        next.focus();
      }
    });

    // ----- one entry -----

    function openEntry(key, force) {
      if (!force && !confirmLeave()) {
        return Promise.resolve();
      }
      return call("GET", entryPath(key))
        .then(function (entry) {
          var same = state.current && state.current.key === key;
          showEntry(entry, same ? state.sub : "edit");
        })
        .catch(failed);
    }

    function latestOf(entry) {
      return entry.draft || entry.published || null;
    }

    function showEntry(entry, sub) {
      var key = asText(entry.key);
      if (!state.current || state.current.key !== key) {
        state.picked = [];
        state.versions = [];
      }
      state.current = {
        key: key,
        kind: asText(entry.kind) || kindOfKey(key),
        entry: entry,
        base: typeof entry.latest_version === "number" ? entry.latest_version : 0,
      };
      placeholder.hidden = true;
      entryView.hidden = false;
      var latest = latestOf(entry);
      byId("ga-entry-title").textContent =
        keyLabel(key) + (latest && titleOf(latest.content) ? " " + titleOf(latest.content) : "");
      var stateParts = [KIND_LABELS[state.current.kind] || state.current.kind, key];
      stateParts.push(entry.published_version ? "线上第" + entry.published_version + "版" : "还没发布");
      if (entry.draft) {
        stateParts.push("草稿第" + entry.latest_version + "版待发布");
      }
      if (entry.published && entry.published.retired) {
        stateParts.push("已退役");
      }
      byId("ga-entry-state").textContent = stateParts.join(" · ");
      subTabs.forEach(function (tab) {
        tab.disabled = false;
      });
      renderPublished(entry);
      renderForm(latest, entry);
      renderList();
      switchSub(sub || "edit", false);
      setAddress();
    }

    function fieldValue(spec, value) {
      if (spec.type === "lines") {
        return asList(value).map(asText).join("\n");
      }
      if (spec.type === "numbers") {
        return asList(value).map(asText).join(", ");
      }
      return asText(value);
    }

    function renderPublished(entry) {
      var box = byId("ga-published");
      var fields = byId("ga-published-fields");
      var meta = byId("ga-published-meta");
      clear(fields);
      box.hidden = !state.current.key;
      var published = entry && entry.published;
      if (!published) {
        meta.textContent = "这一条还没有发布过，工友现在看不到。";
        return;
      }
      var parts = ["第" + published.version + "版"];
      if (published.published_by) {
        parts.push(asText(published.published_by) + " 发布");
      }
      if (published.published_at) {
        parts.push(fullTime(published.published_at));
      }
      if (published.effective_date) {
        parts.push("生效日期 " + asText(published.effective_date));
      }
      if (published.retired) {
        parts.push("已退役（工友看不到）");
      }
      meta.textContent = parts.join(" · ");
      var kind = state.current.kind;
      var content = published.content || {};
      (SHOWN_ONLY[kind] || []).concat(
        (FIELDS[kind] || []).map(function (spec) {
          return [spec.name, spec.label.replace(/（.*$/, ""), spec];
        }),
      ).forEach(function (row) {
        var value = content[row[0]];
        var text = row[2] ? fieldValue(row[2], value) : asText(value);
        if (row[2] && row[2].type === "numbers") {
          text = asList(value).map(function (n) {
            return "第（" + chineseNumber(n) + "）项";
          }).join("、");
        }
        fields.appendChild(el("dt", "", row[1]));
        fields.appendChild(el("dd", "ga-value ga-value-" + row[0], text || "—"));
      });
    }

    function renderForm(latest, entry) {
      var current = state.current;
      var kind = current.kind;
      var content = (latest && latest.content) || {};
      state.inputs = {};
      clear(formFields);
      showFormError("");
      reloadButton.hidden = true;

      var draftNote = byId("ga-draft-note");
      var draft = entry && entry.draft;
      if (draft) {
        var text = "有未发布的草稿：第" + draft.version + "版，" + asText(draft.author) + " 于 " +
          fullTime(draft.created_at) + " 保存" + (draft.note ? "（" + asText(draft.note) + "）" : "") +
          "。下面是草稿的内容，工友还看不到。";
        if (draft.retired) {
          text += "这份草稿会让这一条退役。";
        }
        draftNote.textContent = text;
      }
      draftNote.hidden = !draft;

      var fixed = byId("ga-fixed");
      if (kind === "item") {
        fixed.textContent = "序号 " + asText(content.marker) + " · 第 " + asText(content.part) + " 部分 " +
          asText(content.part_title) + "（文件原有的结构，不能改）";
      }
      fixed.hidden = kind !== "item";

      newIdField.hidden = !!current.key;
      byId("ga-form-title").textContent = current.key ? "修改（保存为草稿）" : "新增审定答复（保存为草稿）";

      (FIELDS[kind] || []).forEach(function (spec) {
        var wrap = el("label", "ga-field");
        var head = el("span", "ga-label", spec.label);
        wrap.appendChild(head);
        var input;
        if (spec.type === "text" || spec.type === "lines") {
          input = el("textarea", "gc-input");
          input.rows = spec.rows || 4;
        } else {
          input = el("input", "gc-input");
          input.type = "text";
          input.autocomplete = "off";
        }
        input.id = "ga-f-" + spec.name;
        input.name = spec.name;
        input.value = fieldValue(spec, content[spec.name]);
        wrap.appendChild(input);
        if (spec.max) {
          var counter = el("span", "ga-count");
          var update = function () {
            var n = input.value.trim().length;
            counter.textContent = n + " / " + spec.max + " 字";
            counter.classList.toggle("ga-over", n > spec.max);
          };
          input.addEventListener("input", update);
          update();
          head.appendChild(counter);
        }
        state.inputs[spec.name] = input;
        formFields.appendChild(wrap);
      });

      effectiveBox.value = latest && latest.effective_date ? asText(latest.effective_date).slice(0, 10) : "";
      noteBox.value = "";
      retireButton.hidden = !(current.key && RETIRABLE[kind] && !(latest && latest.retired));
      publishOneButton.hidden = !draft;
      saveButton.disabled = false;
      state.dirty = false;
    }

    function FormError(message, input) {
      this.message = message;
      this.input = input;
    }

    // The form → the entry's content; FormError for what the editor must fix first.
    function collect() {
      var current = state.current;
      var kind = current.kind;
      var base = current.entry ? latestOf(current.entry) : null;
      var content = {};
      (SHOWN_ONLY[kind] || []).forEach(function (row) {
        content[row[0]] = base && base.content ? base.content[row[0]] : undefined;
      });
      (FIELDS[kind] || []).forEach(function (spec) {
        var input = state.inputs[spec.name];
        var value = input ? input.value : "";
        if (spec.type === "lines") {
          content[spec.name] = value.split(/\r?\n/).map(function (line) {
            return line.trim();
          }).filter(Boolean);
        } else if (spec.type === "numbers") {
          var tokens = value.split(/[\s,，、;；]+/).filter(Boolean);
          tokens.forEach(function (token) {
            if (!/^\d{1,4}$/.test(token)) {
              throw new FormError("引用的政策条目要写成数字，用逗号隔开，如 3, 6", input);
            }
          });
          content[spec.name] = tokens.map(function (token) {
            return parseInt(token, 10);
          });
        } else if (spec.type === "line") {
          content[spec.name] = value.trim();
        } else {
          content[spec.name] = value;
        }
      });
      return content;
    }

    function showFormError(text) {
      formError.textContent = text;
      formError.hidden = !text;
    }

    // A refused save, retire or publish of the open entry: the form keeps what was typed.
    function editRefused(result) {
      if (result.status === 401) {
        sessionExpired();
        return;
      }
      if (result.status === 409 && !(state.current && !state.current.key)) {
        showFormError(TEXT.conflict);
        reloadButton.hidden = false;
        return;
      }
      showFormError(result.status === 409 ? detailOf(result, TEXT.conflict) : errorText(result));
    }

    function save() {
      var current = state.current;
      if (!current || state.saving) {
        return;
      }
      var content;
      try {
        content = collect();
      } catch (err) {
        if (err instanceof FormError) {
          showFormError(err.message);
          if (err.input) {
            err.input.focus();
          }
          return;
        }
        throw err;
      }
      var key = current.key;
      if (!key) {
        var id = newIdBox.value.trim();
        if (!ANSWER_ID.test(id)) {
          showFormError("编号只能用英文小写字母、数字和下划线，以字母开头，2 到 60 个字符，如 wages_overtime");
          newIdBox.focus();
          return;
        }
        key = "answer:" + id;
      }
      var body = {
        content: content,
        base_version: current.base,
        note: noteBox.value.trim(),
        effective_date: effectiveBox.value || null,
      };
      state.saving = true;
      saveButton.disabled = true;
      showFormError("");
      request("PUT", entryPath(key, "draft"), body)
        .then(function (result) {
          if (!result.ok) {
            editRefused(result);
            return;
          }
          var entry = result.data || {};
          state.dirty = false;
          showEntry(entry, "edit");
          showNotice("已保存草稿（第" + asText(entry.latest_version) + "版）。发布后工友才能看到。");
          if (state.kind !== "answer" && kindOfKey(key) === "answer") {
            setKind("answer");
          } else {
            loadList();
          }
          loadDrafts();
        })
        .finally(function () {
          state.saving = false;
          saveButton.disabled = false;
        });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save();
    });
    form.addEventListener("input", function () {
      state.dirty = true;
    });
    form.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "s" || event.key === "Enter")) {
        event.preventDefault();
        save();
      }
    });

    reloadButton.addEventListener("click", function () {
      var current = state.current;
      if (!current || !current.key) {
        return;
      }
      if (!window.confirm("会用别人刚保存的内容替换你现在的修改。需要的话，先把你的修改复制下来。确定载入吗？")) {
        return;
      }
      state.dirty = false;
      openEntry(current.key, true);
    });

    retireButton.addEventListener("click", function () {
      var current = state.current;
      if (!current || !current.key) {
        return;
      }
      var question =
        "确定让“" + byId("ga-entry-title").textContent + "”退役吗？\n" +
        "退役会先存为草稿，发布后工友就再也看不到这一条。" +
        (state.dirty ? "\n你没保存的修改会被丢掉。" : "");
      if (!window.confirm(question)) {
        return;
      }
      request("POST", entryPath(current.key, "retire"), { base_version: current.base, note: noteBox.value.trim() })
        .then(function (result) {
          if (!result.ok) {
            editRefused(result);
            return;
          }
          state.dirty = false;
          showEntry(result.data || {}, "edit");
          showNotice("已存为退役草稿，发布后生效。");
          loadList();
          loadDrafts();
        });
    });

    publishOneButton.addEventListener("click", function () {
      var current = state.current;
      if (!current || !current.key) {
        return;
      }
      if (state.dirty) {
        showFormError("你还有没保存的修改：先点“保存草稿”，再发布。");
        return;
      }
      publish([current.key], noteBox.value.trim());
    });

    // ----- sub tabs: 内容 / 历史 / 审计 -----

    function switchSub(name, focusTab) {
      state.sub = name;
      subTabs.forEach(function (tab) {
        var selected = tab.getAttribute("data-sub") === name;
        tab.setAttribute("aria-selected", selected ? "true" : "false");
        tab.tabIndex = selected ? 0 : -1;
        if (selected && focusTab) {
          tab.focus();
        }
      });
      Object.keys(panes).forEach(function (key) {
        panes[key].hidden = key !== name;
      });
      if (name === "history") {
        loadHistory();
      } else if (name === "audit") {
        loadEntryAudit();
      }
    }

    subTabs.forEach(function (tab, index) {
      tab.addEventListener("click", function () {
        if (state.current && state.current.key) {
          switchSub(tab.getAttribute("data-sub"), false);
        }
      });
      tab.addEventListener("keydown", function (event) {
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          event.preventDefault();
          var step = event.key === "ArrowRight" ? 1 : -1;
          var next = subTabs[(index + step + subTabs.length) % subTabs.length];
          if (state.current && state.current.key) {
            switchSub(next.getAttribute("data-sub"), true);
          }
        }
      });
    });

    // ----- history, diff, rollback -----

    function loadHistory() {
      var current = state.current;
      if (!current || !current.key) {
        return;
      }
      var key = current.key;
      call("GET", entryPath(key, "history"))
        .then(function (data) {
          if (state.current && state.current.key === key) {
            state.versions = asList(data.versions);
            renderHistory();
          }
        })
        .catch(failed);
    }

    function versionChips(version, entry) {
      var chips = [];
      var published = entry.published_version || 0;
      if (version.version === published) {
        chips.push(["线上", "gc-status-staff ga-chip-live"]);
      } else if (version.version > published) {
        chips.push(["草稿", "gc-review ga-chip-draft"]);
      } else if (version.published_at) {
        chips.push(["曾发布", "ga-chip-old"]);
      } else {
        chips.push(["未发布", "ga-chip-old"]);
      }
      if (version.retired) {
        chips.push(["退役", "ga-chip-retired"]);
      }
      return chips;
    }

    function renderHistory() {
      var body = byId("ga-versions-body");
      var entry = state.current.entry;
      clear(body);
      var numbers = state.versions.map(function (v) {
        return v.version;
      });
      state.picked = state.picked.filter(function (n) {
        return numbers.indexOf(n) >= 0;
      });
      state.versions.forEach(function (version) {
        var number = version.version;
        var row = el("tr", "ga-version");
        row.setAttribute("data-version", asText(number));
        var pickCell = el("td");
        var pick = el("input", "ga-pick");
        pick.type = "checkbox";
        pick.setAttribute("aria-label", "选第" + number + "版来对比");
        pick.checked = state.picked.indexOf(number) >= 0;
        pick.addEventListener("change", function () {
          var at = state.picked.indexOf(number);
          if (pick.checked && at < 0) {
            state.picked.push(number);
            if (state.picked.length > 2) {
              state.picked.shift();
            }
          } else if (!pick.checked && at >= 0) {
            state.picked.splice(at, 1);
          }
          Array.prototype.forEach.call(body.querySelectorAll(".ga-pick"), function (box) {
            var n = parseInt(box.closest("tr").getAttribute("data-version"), 10);
            box.checked = state.picked.indexOf(n) >= 0;
          });
          updateCompare();
        });
        pickCell.appendChild(pick);
        row.appendChild(pickCell);
        row.appendChild(el("td", "ga-version-number", "第" + number + "版"));
        var chipsCell = el("td", "ga-version-state");
        versionChips(version, entry).forEach(function (chip) {
          chipsCell.appendChild(el("span", "gc-chip " + chip[1], chip[0]));
        });
        row.appendChild(chipsCell);
        row.appendChild(el("td", "ga-version-author", asText(version.author)));
        row.appendChild(el("td", "ga-version-time", fullTime(version.created_at)));
        row.appendChild(el("td", "ga-version-effective", asText(version.effective_date) || "—"));
        row.appendChild(el("td", "ga-version-note", asText(version.note)));
        var actions = el("td", "ga-version-actions");
        if (number !== entry.published_version) {
          var back = el("button", "gc-button ga-rollback", "回滚到此版本");
          back.type = "button";
          back.addEventListener("click", function () {
            rollback(number);
          });
          actions.appendChild(back);
        }
        row.appendChild(actions);
        body.appendChild(row);
      });
      updateCompare();
    }

    function updateCompare() {
      var compare = byId("ga-compare");
      compare.disabled = state.picked.length !== 2;
      byId("ga-compare-hint").textContent =
        state.picked.length === 2
          ? "对比第" + Math.min.apply(null, state.picked) + "版和第" + Math.max.apply(null, state.picked) + "版"
          : "勾选两个版本，再点“对比”。";
    }

    // A unified diff as text: + lines added, - lines removed, each line its own element.
    function renderDiff(pre, text) {
      clear(pre);
      if (!text) {
        pre.appendChild(el("span", "ga-diff-line", "两个版本的内容一样。"));
        return;
      }
      text.split("\n").forEach(function (line) {
        var kind = "ga-diff-same";
        if (line.indexOf("+++") === 0 || line.indexOf("---") === 0) {
          kind = "ga-diff-file";
        } else if (line.indexOf("@@") === 0) {
          kind = "ga-diff-hunk";
        } else if (line.charAt(0) === "+") {
          kind = "ga-diff-add";
        } else if (line.charAt(0) === "-") {
          kind = "ga-diff-del";
        }
        pre.appendChild(el("span", "ga-diff-line " + kind, line));
      });
    }

    function showDiff(key, a, b, pre, title) {
      return call("GET", entryPath(key, "diff") + "?a=" + a + "&b=" + b).then(function (data) {
        if (title) {
          title.textContent = "第" + a + "版 → 第" + b + "版 的改动（+ 新增，- 删除）";
        }
        renderDiff(pre, asText(data.diff));
      });
    }

    byId("ga-compare").addEventListener("click", function () {
      var current = state.current;
      if (!current || !current.key || state.picked.length !== 2) {
        return;
      }
      var a = Math.min.apply(null, state.picked);
      var b = Math.max.apply(null, state.picked);
      showDiff(current.key, a, b, byId("ga-diff"), byId("ga-diff-title"))
        .then(function () {
          byId("ga-diff-box").hidden = false;
        })
        .catch(failed);
    });

    function rollback(number) {
      var current = state.current;
      if (!current || !current.key) {
        return;
      }
      var question =
        "确定把“" + byId("ga-entry-title").textContent + "”回滚到第" + number + "版吗？\n" +
        "回滚会马上发布：工友立刻看到第" + number + "版的内容。" +
        (current.entry.draft ? "\n未发布的草稿不再生效（仍留在历史里）。" : "") +
        (state.dirty ? "\n你在“内容”里没保存的修改会被丢掉。" : "");
      if (!window.confirm(question)) {
        return;
      }
      var key = current.key;
      call("POST", entryPath(key, "rollback"), { to_version: number, note: "" })
        .then(function (report) {
          showNotice("已回滚到第" + number + "版并发布，用时 " + seconds(report) + " 秒。");
          state.dirty = false;
          byId("ga-diff-box").hidden = true;
          afterPublish();
          return openEntry(key, true);
        })
        .catch(failed);
    }

    // ----- audit -----

    function renderAudit(body, items) {
      clear(body);
      items.forEach(function (item) {
        var row = el("tr", "ga-audit-row");
        row.appendChild(el("td", "ga-audit-at", fullTime(item.at)));
        row.appendChild(el("td", "ga-audit-actor", asText(item.actor)));
        row.appendChild(el("td", "ga-audit-action", ACTION_LABELS[asText(item.action)] || asText(item.action)));
        row.appendChild(el("td", "ga-audit-key", asText(item.key)));
        row.appendChild(el("td", "ga-audit-version", item.version ? "第" + item.version + "版" : ""));
        row.appendChild(el("td", "ga-audit-note", asText(item.note)));
        body.appendChild(row);
      });
    }

    function loadEntryAudit() {
      var current = state.current;
      if (!current || !current.key) {
        return;
      }
      var key = current.key;
      call("GET", API + "/audit?key=" + encodeURIComponent(key))
        .then(function (data) {
          if (state.current && state.current.key === key) {
            renderAudit(byId("ga-entry-audit-body"), asList(data.items));
          }
        })
        .catch(failed);
    }

    function loadAudit() {
      var key = byId("ga-audit-key").value.trim();
      call("GET", API + "/audit" + (key ? "?key=" + encodeURIComponent(key) : ""))
        .then(function (data) {
          var items = asList(data.items);
          renderAudit(byId("ga-audit-body"), items);
          byId("ga-audit-empty").hidden = items.length > 0;
        })
        .catch(failed);
    }

    byId("ga-audit-form").addEventListener("submit", function (event) {
      event.preventDefault();
      loadAudit();
    });

    // ----- drafts and publishing -----

    var draftsAll = byId("ga-drafts-all");
    var draftsList = byId("ga-drafts-list");
    var draftsShown = null; // the list as last drawn: an unchanged list is not drawn again
    var changesOpen = {}; // key → its 看改动 is open (kept open across refreshes)

    function loadDrafts() {
      return call("GET", API + "/drafts")
        .then(function (data) {
          state.drafts = asList(data.items);
          var badge = byId("ga-draft-count");
          badge.textContent = String(state.drafts.length);
          badge.hidden = state.drafts.length === 0;
          var shown = JSON.stringify(state.drafts);
          if (shown !== draftsShown) {
            draftsShown = shown;
            renderDrafts();
          }
        })
        .catch(function (err) {
          if (!(err instanceof ApiError && err.status === 403)) {
            failed(err);
          }
        });
    }

    function checkedKeys() {
      return Array.prototype.slice
        .call(draftsList.querySelectorAll(".ga-draft-check"))
        .filter(function (box) {
          return box.checked;
        })
        .map(function (box) {
          return box.value;
        });
    }

    function updatePublishButtons() {
      var picked = checkedKeys();
      byId("ga-publish-selected").disabled = picked.length === 0;
      byId("ga-publish-selected").textContent = picked.length ? "发布选中（" + picked.length + " 条）" : "发布选中";
      byId("ga-publish-all").disabled = state.drafts.length === 0;
      draftsAll.checked = state.drafts.length > 0 && picked.length === state.drafts.length;
    }

    function renderDrafts() {
      var before = checkedKeys();
      clear(draftsList);
      state.drafts.forEach(function (draft) {
        var key = asText(draft.key);
        var li = el("li", "gc-row ga-draft");
        li.setAttribute("data-key", key);
        var line = el("div", "ga-draft-line");
        var box = el("input", "ga-draft-check");
        box.type = "checkbox";
        box.value = key;
        box.checked = before.indexOf(key) >= 0;
        box.setAttribute("aria-label", "选中 " + keyLabel(key) + " " + asText(draft.title));
        box.addEventListener("change", updatePublishButtons);
        line.appendChild(box);
        var what = el("div", "ga-draft-what");
        var top = el("p", "gc-line");
        top.appendChild(el("span", "gc-chip gc-kind", KIND_LABELS[asText(draft.kind)] || asText(draft.kind)));
        top.appendChild(el("span", "gc-id", keyLabel(key)));
        top.appendChild(el("span", "gc-last", asText(draft.title)));
        what.appendChild(top);
        var sub = [
          "草稿第" + draft.latest_version + "版",
          draft.published_version ? "线上第" + draft.published_version + "版" : "新条目，还没发布过",
        ];
        if (draft.effective_date) {
          sub.push("生效日期 " + asText(draft.effective_date));
        }
        what.appendChild(el("p", "gc-sub", sub.join(" · ")));
        line.appendChild(what);
        var changes = el("button", "gc-button ga-draft-diff", "看改动");
        changes.type = "button";
        var open = el("button", "gc-button ga-draft-open", "打开");
        open.type = "button";
        line.appendChild(changes);
        line.appendChild(open);
        li.appendChild(line);
        var pre = el("pre", "ga-diff");
        pre.hidden = true;
        li.appendChild(pre);
        var showChanges = function () {
          changes.setAttribute("aria-expanded", "true");
          if (!draft.published_version) {
            clear(pre);
            pre.appendChild(el("span", "ga-diff-line", "新条目：发布后工友第一次看到它。"));
            pre.hidden = false;
            return;
          }
          showDiff(key, draft.published_version, draft.latest_version, pre, null)
            .then(function () {
              pre.hidden = false;
            })
            .catch(failed);
        };
        changes.setAttribute("aria-expanded", "false");
        changes.addEventListener("click", function () {
          if (changesOpen[key]) {
            delete changesOpen[key];
            pre.hidden = true;
            changes.setAttribute("aria-expanded", "false");
            return;
          }
          changesOpen[key] = true;
          showChanges();
        });
        if (changesOpen[key]) {
          showChanges();
        }
        open.addEventListener("click", function () {
          if (!confirmLeave()) {
            return;
          }
          state.dirty = false;
          var kind = asText(draft.kind) || kindOfKey(key);
          switchTab("entries", false);
          if (kind !== state.kind && FIELDS[kind]) {
            setKind(kind);
          }
          openEntry(key, true);
        });
        draftsList.appendChild(li);
      });
      byId("ga-drafts-empty").hidden = state.drafts.length > 0;
      updatePublishButtons();
    }

    draftsAll.addEventListener("change", function () {
      Array.prototype.forEach.call(draftsList.querySelectorAll(".ga-draft-check"), function (box) {
        box.checked = draftsAll.checked;
      });
      updatePublishButtons();
    });

    function showReport(report) {
      var box = byId("ga-report");
      clear(box);
      var published = asList(report.published);
      var headline = "已发布 " + published.length + " 条，用时 " + seconds(report) + " 秒";
      box.appendChild(el("p", "ga-report-head", headline));
      var details = [];
      if (report.revision !== undefined && report.revision !== null) {
        details.push("知识库版本号 " + asText(report.revision));
      }
      if (typeof report.units === "number") {
        details.push("检索用的文字共 " + report.units + " 段，重新计算了 " + asText(report.encoded) + " 段");
      }
      if (details.length) {
        box.appendChild(el("p", "gc-sub", details.join(" · ")));
      }
      if (published.length) {
        box.appendChild(
          el(
            "p",
            "gc-sub ga-report-keys",
            published.map(function (pair) {
              return keyLabel(asList(pair)[0]) + " 第" + asText(asList(pair)[1]) + "版";
            }).join("、"),
          ),
        );
      }
      box.hidden = false;
      return headline;
    }

    function afterPublish() {
      loadDrafts();
      loadList();
      if (state.tab === "audit") {
        loadAudit();
      }
    }

    function publish(keys, note) {
      var count = keys ? keys.length : state.drafts.length;
      if (!count) {
        return;
      }
      if (!window.confirm("确定发布 " + count + " 条吗？发布后工友马上就能看到。")) {
        return;
      }
      var buttons = [byId("ga-publish-selected"), byId("ga-publish-all"), publishOneButton];
      buttons.forEach(function (button) {
        button.disabled = true;
      });
      call("POST", API + "/publish", { keys: keys, note: note })
        .then(function (report) {
          var headline = showReport(report);
          showNotice(headline + "。工友现在看到的就是新内容。");
          byId("ga-publish-note").value = "";
          var published = asList(report.published).map(function (pair) {
            return asText(asList(pair)[0]);
          });
          afterPublish();
          var current = state.current;
          if (current && current.key && published.indexOf(current.key) >= 0 && !state.dirty) {
            openEntry(current.key, true);
          }
        })
        .catch(function (err) {
          if (err instanceof ApiError && err.status === 409) {
            showNotice("发布时又有人保存了新草稿，请看一下改动再发布。", "error");
            loadDrafts();
          } else {
            failed(err);
          }
        })
        .finally(function () {
          publishOneButton.disabled = false;
          updatePublishButtons();
        });
    }

    byId("ga-publish-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var keys = checkedKeys();
      if (keys.length) {
        publish(keys, byId("ga-publish-note").value.trim());
      }
    });
    byId("ga-publish-all").addEventListener("click", function () {
      publish(null, byId("ga-publish-note").value.trim());
    });

    // ----- a new approved answer -----

    function startNewAnswer(question) {
      state.current = { key: null, kind: "answer", entry: null, base: 0 };
      state.picked = [];
      state.versions = [];
      placeholder.hidden = true;
      entryView.hidden = false;
      byId("ga-entry-title").textContent = "新增审定答复";
      byId("ga-entry-state").textContent = "保存后是草稿，发布后工友才能看到";
      switchSub("edit", false);
      subTabs.forEach(function (tab) {
        tab.disabled = tab.getAttribute("data-sub") !== "edit";
      });
      renderPublished(null);
      renderForm(question ? { content: { questions: [question] } } : null, null);
      newIdBox.value = newAnswerId();
      renderList();
      var first = state.inputs.topic;
      if (first) {
        first.focus();
      }
    }

    byId("ga-new-answer").addEventListener("click", function () {
      if (!confirmLeave()) {
        return;
      }
      if (window.location.pathname !== NEW_ANSWER_PATH && window.history.replaceState) {
        window.history.replaceState(null, "", NEW_ANSWER_PATH);
      }
      startNewAnswer("");
      if (state.kind !== "answer") {
        setKind("answer");
      }
    });

    // ----- header -----

    byId("gc-logout").addEventListener("click", function () {
      if (!confirmLeave()) {
        return;
      }
      request("POST", "/api/auth/logout", {}).finally(goToLogin);
    });

    window.addEventListener("beforeunload", function (event) {
      if (state.dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    setInterval(function () {
      if (!document.hidden && !main.hidden) {
        loadDrafts();
      }
    }, DRAFTS_POLL_MS);

    // ----- start: who is signed in, then what the address asks for -----

    function start() {
      var path = window.location.pathname.replace(/\/+$/, "");
      var hash = window.location.hash.replace(/^#/, "");
      var slash = hash.indexOf("/");
      var name = slash >= 0 ? hash.slice(0, slash) : hash;
      var open = "";
      try {
        open = slash >= 0 ? decodeURIComponent(hash.slice(slash + 1)) : "";
      } catch (e) {
        open = "";
      }
      loadDrafts();
      if (path === NEW_ANSWER_PATH) {
        var question = "";
        try {
          question = (new URLSearchParams(window.location.search).get("question") || "").trim().slice(0, 100);
        } catch (e) {
          question = "";
        }
        // The new answer first: the address keeps ?question= while it is not saved.
        startNewAnswer(question);
        setKind("answer");
        switchTab("entries", false);
        return;
      }
      if (name === "drafts" || name === "audit") {
        setKind(state.kind);
        switchTab(name, false);
        return;
      }
      var kind = kindOfKey(open);
      switchTab("entries", false);
      setKind(open && FIELDS[kind] && kind !== "document" ? kind : "item");
      if (open) {
        openEntry(open, true);
      }
    }

    call("GET", "/api/auth/me")
      .then(function (data) {
        state.me.username = asText(data.username);
        state.me.role = asText(data.role);
        byId("gc-me").textContent =
          state.me.username + "（" + (ROLE_LABELS[state.me.role] || state.me.role) + "）";
        if ((ROLE_RANK[state.me.role] || 0) < ROLE_RANK.editor) {
          showForbidden();
          return;
        }
        main.hidden = false;
        start();
      })
      .catch(failed);
  }

  if (document.body && document.body.getAttribute("data-page") === "admin") {
    initAdmin();
  }
})();
