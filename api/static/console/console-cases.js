/*
 * 案件: the wage cases workers registered through the bot; staff read one and set its status.
 * The worker's phone is shown masked; 显示电话 asks the api for it (each view is audited) and
 * it stays on screen only while that case is open.
 */
import { asList, asObject, asText, byId, clear, cssEscape, el, markCurrent } from "./dom.js";
import { fullTime, timeNode } from "./format.js";
import { arrowRows } from "./keys.js";
import { asRow, fillList } from "./console-lists.js";
import { singleFlight } from "./single-flight.js";

const CASE_STATUSES = [
  ["received", "已受理"],
  ["processing", "处理中"],
  ["closed", "已办结"],
];
const CASE_FIELDS = [
  ["sector", "行业"],
  ["employer", "欠钱的单位或工地"],
  ["place", "干活地点"],
  ["period", "干活时间"],
  ["amount_text", "欠款金额"],
  ["workers", "被欠人数"],
  ["evidence", "证据"],
  ["contact", "联系电话"],
];

/** @param {unknown} status */
function statusClass(status) {
  return "gc-chip gc-case-" + (/^(received|processing|closed)$/.test(asText(status)) ? status : "other");
}

/**
 * The name of a case field the bot asks to check ("wage_amount" and the like included).
 * @param {unknown} name
 */
function fieldLabel(name) {
  let key = asText(name).replace(/^wage_/, "");
  if (key === "amount" || key === "amount_yuan") {
    key = "amount_text";
  }
  const field = CASE_FIELDS.find((f) => f[0] === key);
  return field ? field[1] : asText(name);
}

/** @param {import("./console.js").ConsoleApp} app */
export function createCases(app) {
  const list = byId("gc-case-list");
  const empty = byId("gc-case-empty");
  const status = /** @type {HTMLSelectElement} */ (byId("gc-case-status"));
  const q = /** @type {HTMLInputElement} */ (byId("gc-case-q"));
  const placeholder = byId("gc-case-placeholder");
  const view = byId("gc-case-view");
  /** @type {Record<string, any>} the listed cases by number */
  let items = {};
  let openNumber = "";
  /** @type {(() => void) | null} puts the masked number back where the full one is shown */
  let hideContact = null;
  arrowRows(list);

  function forgetContact() {
    if (hideContact) {
      hideContact();
      hideContact = null;
    }
  }

  const refresh = singleFlight(() => {
    const query = new URLSearchParams();
    if (status.value) {
      query.set("status", status.value);
    }
    if (q.value.trim()) {
      query.set("q", q.value.trim());
    }
    return app
      .call("GET", "/api/console/cases" + (query.toString() ? "?" + query.toString() : ""))
      .then((data) => {
        const listed = asList(data.items);
        items = {};
        for (const item of listed) {
          items[asText(item.case_number)] = item;
        }
        fillList(list, empty, listed, row, openNumber);
        // Opened from the address: shown once the list has it.
        if (openNumber && items[openNumber] && view.hidden) {
          show(items[openNumber]);
        }
      })
      .catch(app.failed);
  });

  /** @param {string} number */
  function select(number) {
    if (number !== openNumber) {
      forgetContact();
    }
    openNumber = number;
    markCurrent(list.querySelectorAll(".gc-item"), number);
    if (items[number]) {
      show(items[number]);
    }
    app.setHash();
  }

  /** @param {any} item */
  function show(item) {
    render(item);
    placeholder.hidden = true;
    view.hidden = false;
  }

  /** @param {any} item a case as the api returned it after a change */
  function update(item) {
    const number = asText(item.case_number);
    items[number] = item;
    const old = list.querySelector('.gc-item[data-key="' + cssEscape(number) + '"]');
    if (old) {
      old.replaceWith(asRow(row(item), openNumber));
    }
    if (number === openNumber) {
      show(item);
    }
  }

  /** @param {any} item */
  function row(item) {
    const number = asText(item.case_number);
    const details = asObject(item.details);
    const button = el("button", "gc-case-item");
    button.setAttribute("data-key", number);
    const top = el("span", "gc-line");
    top.appendChild(el("span", "gc-id gc-case-number", number));
    top.appendChild(el("span", statusClass(item.status), asText(item.status_label) || asText(item.status)));
    if (asList(details.needs_review).length) {
      top.appendChild(el("span", "gc-chip gc-review", "待核实"));
    }
    top.appendChild(timeNode(item.created_at, "gc-when"));
    button.appendChild(top);
    const summary = [details.employer, details.amount_text, details.place].map(asText).filter(Boolean).join(" · ");
    button.appendChild(el("span", "gc-line gc-sub", summary || "（没有详情）"));
    button.addEventListener("click", () => select(number));
    return button;
  }

  /** @param {any} item */
  function render(item) {
    hideContact = null; // the view is rebuilt: the number shown, if any, goes with it
    clear(view);
    const number = asText(item.case_number);
    const details = asObject(item.details);
    const head = el("div", "gc-detail-head");
    const titles = el("div", "gc-detail-titles");
    titles.appendChild(el("h2", "gc-heading", "案件 " + number));
    const state = el("p", "gc-conv-state");
    state.appendChild(el("span", statusClass(item.status) + " gc-case-status", asText(item.status_label)));
    state.appendChild(
      document.createTextNode(" 登记于 " + fullTime(item.created_at) + " · 更新于 " + fullTime(item.updated_at)),
    );
    titles.appendChild(state);
    head.appendChild(titles);
    view.appendChild(head);

    const review = asList(details.needs_review);
    if (review.length) {
      view.appendChild(el("p", "gc-warn", "机器人没听清，需要核实：" + review.map(fieldLabel).join("、")));
    }
    const fields = el("dl", "gc-fields");
    for (const [name, label] of CASE_FIELDS) {
      const value = details[name];
      const text = Array.isArray(value) ? value.map(asText).join("、") : asText(value);
      fields.appendChild(el("dt", "", label));
      fields.appendChild(name === "contact" && text ? contactField(number, text) : el("dd", "", text || "—"));
    }
    view.appendChild(fields);
    if (item.status_note) {
      view.appendChild(el("p", "gc-note", "备注：" + asText(item.status_note)));
    }
    view.appendChild(statusForm(number, asText(item.status)));
  }

  /**
   * 联系电话: masked, with 显示电话; the full number with 复制 once shown.
   * @param {string} number the case
   * @param {string} masked
   */
  function contactField(number, masked) {
    const dd = el("dd", "gc-contact");
    const shown = el("span", "gc-contact-number", masked);
    const reveal = /** @type {HTMLButtonElement} */ (el("button", "gc-button gc-contact-show", "显示电话"));
    reveal.type = "button";
    reveal.title = "显示完整号码，用于给工友回电（每次查看都会记录）";
    const copy = /** @type {HTMLButtonElement} */ (el("button", "gc-button gc-contact-copy", "复制"));
    copy.type = "button";
    copy.hidden = true;
    dd.append(shown, " ", reveal, " ", copy);
    /** @type {string} */
    let phone = "";
    reveal.addEventListener("click", () => {
      reveal.disabled = true;
      app
        .call("POST", "/api/console/cases/" + encodeURIComponent(number) + "/contact", {})
        .then((data) => {
          phone = asText(data.phone);
          if (!phone || number !== openNumber) {
            return;
          }
          shown.textContent = phone;
          reveal.hidden = true;
          copy.hidden = false;
          hideContact = () => {
            phone = "";
            shown.textContent = masked;
            reveal.hidden = false;
            copy.hidden = true;
          };
        })
        .catch(app.failed)
        .finally(() => {
          reveal.disabled = false;
        });
    });
    copy.addEventListener("click", () => {
      if (!phone) {
        return;
      }
      const done = () => app.notify("电话已复制");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(phone).then(done, () => selectText(shown));
      } else {
        selectText(shown); // plain http: the browser gives no clipboard; staff press Ctrl+C
      }
    });
    return dd;
  }

  /** @param {HTMLElement} node */
  function selectText(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    if (selection) {
      selection.removeAllRanges();
      selection.addRange(range);
    }
    app.notify("请按 Ctrl+C 复制电话");
  }

  /**
   * 更新状态: a new status and a note for the record.
   * @param {string} number
   * @param {string} current
   */
  function statusForm(number, current) {
    const form = el("form", "gc-case-form");
    form.appendChild(el("h3", "gc-subheading", "更新状态"));
    const line = el("div", "gc-line");
    const label = el("label", "gc-inline", "状态 ");
    const picker = /** @type {HTMLSelectElement} */ (el("select", "gc-case-new-status"));
    for (const [value, name] of CASE_STATUSES) {
      const option = /** @type {HTMLOptionElement} */ (el("option", "", name));
      option.value = value;
      option.selected = value === current;
      picker.appendChild(option);
    }
    label.appendChild(picker);
    line.appendChild(label);
    form.appendChild(line);
    const note = /** @type {HTMLTextAreaElement} */ (el("textarea", "gc-input gc-case-note"));
    note.rows = 2;
    note.maxLength = 500;
    note.placeholder = "备注（例如：已电话联系工友，转劳动监察）";
    note.setAttribute("aria-label", "备注");
    form.appendChild(note);
    const save = /** @type {HTMLButtonElement} */ (el("button", "gc-button gc-primary gc-case-save", "保存"));
    save.type = "submit";
    form.appendChild(save);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save.disabled = true;
      app
        .call("POST", "/api/console/cases/" + encodeURIComponent(number) + "/status", {
          status: picker.value,
          note: note.value.trim(),
        })
        .then((updated) => {
          if (updated && updated.case_number) {
            update(updated);
            app.notify("案件 " + number + " 已更新为：" + asText(updated.status_label));
          } else {
            refresh();
          }
        })
        .catch(app.failed)
        .finally(() => {
          save.disabled = false;
        });
    });
    return form;
  }

  byId("gc-case-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  status.addEventListener("change", refresh);

  return {
    refresh,
    /** The open case's number ("" for none). */
    open: () => openNumber,
    /** Leaving the cases: a phone shown goes back to its masked form. */
    leave: forgetContact,
    /** @param {string} number a case to show once the list is in (from the address) */
    openLater(number) {
      if (number !== openNumber) {
        forgetContact();
      }
      openNumber = number;
    },
  };
}
