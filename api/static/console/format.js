/*
 * How numbers, dates and the plan's items are written in the pages (Chinese conventions).
 */
import { asText, el, isNumber } from "./dom.js";

const DIGITS = "零一二三四五六七八九";

/** @param {number} n */
export function pad(n) {
  return (n < 10 ? "0" : "") + n;
}

/**
 * 3 → 三, 12 → 十二, 20 → 二十 (1 to 99; anything else as it is): the plan numbers its items so.
 * @param {unknown} n
 */
export function chineseNumber(n) {
  if (typeof n !== "number" || n !== Math.floor(n) || n < 1 || n > 99) {
    return asText(n);
  }
  if (n < 10) {
    return DIGITS.charAt(n);
  }
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return (tens > 1 ? DIGITS.charAt(tens) : "") + "十" + (ones ? DIGITS.charAt(ones) : "");
}

/**
 * 3 or "3" → 第（三）项, as the plan's items are cited.
 * @param {unknown} n
 */
export function itemLabel(n) {
  const number = typeof n === "string" && /^\d+$/.test(n) ? parseInt(n, 10) : n;
  return "第（" + chineseNumber(number) + "）项";
}

/**
 * A timestamp from the api (ISO 8601), or null when it is not one.
 * @param {unknown} value
 * @returns {number | null}
 */
export function parseTime(value) {
  const t = Date.parse(asText(value));
  return Number.isNaN(t) ? null : t;
}

/**
 * "2024-03-18 14:05" (with ":07" seconds when asked); "" for no time.
 * @param {unknown} value
 * @param {boolean} [seconds]
 */
export function fullTime(value, seconds = true) {
  const t = parseTime(value);
  if (t === null) {
    return "";
  }
  const d = new Date(t);
  const day = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  const time = pad(d.getHours()) + ":" + pad(d.getMinutes()) + (seconds ? ":" + pad(d.getSeconds()) : "");
  return day + " " + time;
}

/**
 * "14:05" today, "03-18 14:05" this year, "2024-03-18 14:05" before: short, for lists.
 * @param {unknown} value
 */
export function clock(value) {
  const t = parseTime(value);
  if (t === null) {
    return "";
  }
  const d = new Date(t);
  const now = new Date();
  const hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
  if (d.toDateString() === now.toDateString()) {
    return hm;
  }
  const md = pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  return d.getFullYear() === now.getFullYear() ? md + " " + hm : d.getFullYear() + "-" + md + " " + hm;
}

/**
 * "等了 5 分钟", "等了 1 小时 3 分钟": how long a worker has been waiting since `value`.
 * @param {unknown} value
 */
export function waited(value) {
  const t = parseTime(value);
  if (t === null) {
    return "";
  }
  const minutes = Math.floor(Math.max(0, Date.now() - t) / 60000);
  if (minutes < 1) {
    return "等了不到 1 分钟";
  }
  if (minutes < 60) {
    return "等了 " + minutes + " 分钟";
  }
  const hours = Math.floor(minutes / 60);
  return "等了 " + hours + " 小时" + (minutes % 60 ? " " + (minutes % 60) + " 分钟" : "");
}

/**
 * A search score with three decimals, "—" for none.
 * @param {unknown} value
 */
export function score(value) {
  return isNumber(value) ? value.toFixed(3) : "—";
}

/**
 * 0.8 → "80%", 1/3 → "33.3%"; no data → "—".
 * @param {unknown} ratio
 */
export function percent(ratio) {
  if (!isNumber(ratio)) {
    return "—";
  }
  const p = Math.round(ratio * 1000) / 10;
  return (p % 1 ? p.toFixed(1) : String(p)) + "%";
}

/**
 * "2024-03-18" (a day from the api) → "3月18日", for the charts' labels.
 * @param {string} day
 */
export function dayLabel(day) {
  const match = /^\d{4}-(\d{2})-(\d{2})$/.exec(day);
  return match ? parseInt(match[1], 10) + "月" + parseInt(match[2], 10) + "日" : day;
}

/**
 * A <time> showing clock(value), with the full time as its tooltip.
 * @param {unknown} value
 * @param {string} className
 */
export function timeNode(value, className) {
  const node = el("time", className, clock(value));
  const full = fullTime(value);
  if (full) {
    node.setAttribute("datetime", asText(value));
    node.title = full;
  }
  return node;
}
