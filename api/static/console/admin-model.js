/*
 * The knowledge admin's vocabulary: the kinds of entries, the fields an editor changes in
 * each, how keys and versions are named, and the api's paths.
 */
import { asList, asText } from "./dom.js";
import { chineseNumber, fullTime, pad } from "./format.js";

export const API = "/api/admin";
export const ADMIN_PATH = "/console/admin";
export const NEW_ANSWER_PATH = "/console/admin/answers/new";

export const TEXT = {
  conflict: "别人刚改过这一条，请刷新后再改",
  expired: "登录已过期。你的修改还在这里：请在新窗口打开工作台重新登录，再回来点“保存草稿”。",
  unsavedLeave: "这一条有没保存的修改，确定要离开吗？",
};

/** @type {import("./api.js").FailureTexts} */
export const FAILURES = {
  network: "网络不通，请检查网络后再试",
  server: "服务器出错了，请稍后再试",
  byStatus: {
    400: { text: "提交的内容格式不对", detail: true },
    403: { text: "需要编辑权限" },
    404: { text: "没有找到这一条", detail: true },
    409: { text: TEXT.conflict },
    413: { text: "提交的内容格式不对" },
    415: { text: "提交的内容格式不对" },
    422: { text: "提交的内容格式不对" },
  },
};

export const KIND_LABELS = { document: "文件信息", item: "政策条款", questions: "常见问法", answer: "审定答复" };
export const ACTION_LABELS = {
  import: "导入",
  create: "新增",
  draft: "保存草稿",
  retire: "退役",
  publish: "发布",
  rollback: "回滚",
  restore: "从备份恢复",
};
/** The kinds an editor may retire (the plan's own text and structure stay). */
export const RETIRABLE = { questions: true, answer: true };
export const ANSWER_ID = /^[a-z][a-z0-9_]{1,59}$/;

/**
 * @typedef {object} FieldSpec
 * @property {string} name   the content's field
 * @property {string} label  the form's label (its part before "（" names the field when shown)
 * @property {"line" | "text" | "lines" | "numbers"} type
 *   line: one line of text; text: a long text; lines: a list, one per line; numbers: 3, 6
 * @property {number} [max]  characters (a counter shows how many are left)
 * @property {number} [rows]
 */

/** What an editor changes in each kind of entry, in the order of the form. @type {Record<string, FieldSpec[]>} */
export const FIELDS = {
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
/** Shown, never edited: the printed structure of the plan. */
export const SHOWN_ONLY = {
  item: [
    ["marker", "序号"],
    ["part", "所属部分"],
    ["part_title", "部分标题"],
  ],
};

/**
 * item:3 → 第（三）项; questions:3 → 第（三）项的问法; answer:wages_owed → wages_owed.
 * @param {unknown} key
 */
export function keyLabel(key) {
  const text = asText(key);
  const match = /^(item|questions):(\d+)$/.exec(text);
  if (match) {
    const label = "第（" + chineseNumber(parseInt(match[2], 10)) + "）项";
    return match[1] === "questions" ? label + "的问法" : label;
  }
  return text.indexOf("answer:") === 0 ? text.slice(7) : text;
}

/** @param {unknown} key "answer:wages_owed" → "answer" */
export function kindOfKey(key) {
  const text = asText(key);
  const colon = text.indexOf(":");
  return colon > 0 ? text.slice(0, colon) : text;
}

/**
 * @param {string} key
 * @param {string} [action] draft, retire, history, diff, rollback
 */
export function entryPath(key, action) {
  return API + "/entries/" + encodeURIComponent(key) + (action ? "/" + action : "");
}

/** @param {any} content an entry's content: its title, or its first question */
export function titleOf(content) {
  const c = content || {};
  return asText(c.title) || asText(asList(c.questions)[0]);
}

/** @param {any} entry the draft if there is one, else the published version */
export function latestOf(entry) {
  return entry.draft || entry.published || null;
}

/**
 * A field's value as the form shows it.
 * @param {FieldSpec} spec
 * @param {unknown} value
 */
export function fieldValue(spec, value) {
  if (spec.type === "lines") {
    return asList(value).map(asText).join("\n");
  }
  if (spec.type === "numbers") {
    return asList(value).map(asText).join(", ");
  }
  return asText(value);
}

/**
 * A time as the admin's tables show it, to the minute (the text as it is when not a time).
 * @param {unknown} value
 */
export function when(value) {
  return fullTime(value, false) || asText(value);
}

/**
 * How long a publish took, from the api's report ("0.42").
 * @param {any} report
 */
export function seconds(report) {
  const s = (report && report.seconds) || {};
  let total = typeof s.total === "number" ? s.total : null;
  if (total === null) {
    total = 0;
    for (const part of Object.values(s)) {
      if (typeof part === "number") {
        total += part;
      }
    }
  }
  return total < 0.1 ? total.toFixed(2) : total.toFixed(1);
}

/** A new answer's id from the time: unique enough, and the editor may change it. */
export function newAnswerId() {
  const d = new Date();
  return (
    "a_" + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + "_" +
    pad(d.getHours()) + pad(d.getMinutes()) + pad(d.getSeconds())
  );
}
