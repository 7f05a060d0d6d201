/*
 * The quality figures as the dashboard reads them: /api/console/quality/figures gives one
 * record a day (api/quality.py daily_figures); the period's totals are summed here, each
 * day's rate weighed by its count, so one request serves the totals, charts and tables.
 */
import { asList, asObject, asText, isNumber } from "./dom.js";

/**
 * @typedef {object} Day
 * @property {string} day  "2024-03-18"
 * @property {number} messages
 * @property {number | null} fallback_rate  of the day's questions, not answered (null: no question)
 * @property {number | null} handoff_rate   of the day's messages, handed to a person
 * @property {number | null} satisfaction   of the day's ratings, 👍
 * @property {number} ratings
 * @property {Record<string, number>} by_channel  messages by channel code
 * @property {Record<string, number>} by_topic    questions by topic (intent) code
 */

/**
 * @typedef {object} Totals
 * @property {number} days
 * @property {number} messages
 * @property {number} fallback   questions not answered (from the rates: may be fractional)
 * @property {number} fallbackOf messages on days with a fallback rate
 * @property {number} handoff
 * @property {number} handoffOf
 * @property {number} up        👍 among the ratings
 * @property {number} ratings
 * @property {Record<string, number>} channels
 * @property {Record<string, number>} topics
 */

/**
 * The api's daily list, each record checked: anything not a number is no data.
 * @param {unknown} daily
 * @returns {Day[]}
 */
export function readDays(daily) {
  return asList(daily)
    .filter((day) => day && typeof day === "object")
    .map((day) => ({
      day: asText(day.day),
      messages: isNumber(day.messages) ? day.messages : 0,
      fallback_rate: isNumber(day.fallback_rate) ? day.fallback_rate : null,
      handoff_rate: isNumber(day.handoff_rate) ? day.handoff_rate : null,
      satisfaction: isNumber(day.satisfaction) ? day.satisfaction : null,
      ratings: isNumber(day.ratings) ? day.ratings : 0,
      by_channel: counts(day.by_channel),
      by_topic: counts(day.by_topic),
    }));
}

/**
 * @param {unknown} value
 * @returns {Record<string, number>}
 */
function counts(value) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const [key, n] of Object.entries(asObject(value))) {
    if (isNumber(n)) {
      out[key] = n;
    }
  }
  return out;
}

/**
 * @param {Day[]} days
 * @returns {Totals}
 */
export function sumDays(days) {
  /** @type {Totals} */
  const t = {
    days: days.length,
    messages: 0,
    fallback: 0,
    fallbackOf: 0,
    handoff: 0,
    handoffOf: 0,
    up: 0,
    ratings: 0,
    channels: {},
    topics: {},
  };
  for (const day of days) {
    t.messages += day.messages;
    if (day.fallback_rate !== null) {
      t.fallback += day.fallback_rate * day.messages;
      t.fallbackOf += day.messages;
    }
    if (day.handoff_rate !== null) {
      t.handoff += day.handoff_rate * day.messages;
      t.handoffOf += day.messages;
    }
    if (day.satisfaction !== null && day.ratings) {
      t.up += day.satisfaction * day.ratings;
      t.ratings += day.ratings;
    }
    addCounts(t.channels, day.by_channel);
    addCounts(t.topics, day.by_topic);
  }
  return t;
}

/**
 * @param {Record<string, number>} into
 * @param {Record<string, number>} more
 */
function addCounts(into, more) {
  for (const [key, n] of Object.entries(more)) {
    into[key] = (into[key] || 0) + n;
  }
}

/**
 * The keys of a count table, biggest first (then by code, so the order is stable).
 * @param {Record<string, number>} table
 */
export function byCount(table) {
  return Object.keys(table).sort((a, b) => table[b] - table[a] || (a < b ? -1 : a > b ? 1 : 0));
}
