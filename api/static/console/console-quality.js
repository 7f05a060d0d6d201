/*
 * 质量: a period's figures (totals, one line chart per daily metric, the volume by channel
 * and topic as bars and tables) and the questions the bot could not answer. The charts are
 * drawn here from the one /figures answer; the api's SVG charts are no longer asked for.
 */
import { ApiError } from "./api.js";
import { asList, byId, clear, el } from "./dom.js";
import { clock, dayLabel, percent } from "./format.js";
import { barChart, lineChart } from "./chart.js";
import { channelLabel, topicLabel } from "./console-labels.js";
import { createGaps } from "./console-gaps.js";
import { byCount, readDays, sumDays } from "./quality-figures.js";
import { FAILURES } from "./console-texts.js";

export const QUALITY_DAYS = ["7", "30", "90"];

/**
 * The daily metrics charted, in order: the field, the chart's name, whether a ratio (0–100 %).
 * @type {[keyof import("./quality-figures.js").Day, string, boolean][]}
 */
const METRICS = [
  ["messages", "每天消息数", false],
  ["fallback_rate", "答不上来的比例", true],
  ["handoff_rate", "转人工比例", true],
  ["satisfaction", "满意度", true],
];

/** @param {number} n */
const messagesText = (n) => Math.round(n) + " 条";

/**
 * @param {HTMLTableElement} table
 * @param {Record<string, number>} counts
 * @param {(code: string) => string} label
 */
function fillTable(table, counts, label) {
  const body = table.tBodies[0];
  clear(body);
  const keys = byCount(counts);
  if (!keys.length) {
    const none = /** @type {HTMLTableCellElement} */ (el("td", "gc-none", "暂无数据"));
    none.colSpan = 2;
    body.appendChild(el("tr")).appendChild(none);
    return;
  }
  for (const key of keys) {
    const row = el("tr");
    const name = el("td", "", label(key));
    name.setAttribute("data-key", key);
    name.title = key;
    row.appendChild(name);
    row.appendChild(el("td", "gc-num", counts[key]));
    body.appendChild(row);
  }
}

/**
 * @param {HTMLElement} figure
 * @param {string} title
 * @param {Record<string, number>} counts
 * @param {(code: string) => string} label
 */
function drawBars(figure, title, counts, label) {
  const old = figure.querySelector("svg");
  const chart = barChart({
    title,
    bars: byCount(counts).map((key) => ({ key, label: label(key), value: counts[key] })),
    format: (n) => String(n),
  });
  if (old) {
    old.replaceWith(chart);
  } else {
    figure.appendChild(chart);
  }
}

/** @param {import("./console.js").ConsoleApp} app */
export function createQuality(app) {
  const days = /** @type {HTMLSelectElement} */ (byId("gc-quality-days"));
  const updated = byId("gc-quality-updated");
  const charts = byId("gc-quality-charts");
  const channels = /** @type {HTMLTableElement} */ (byId("gc-quality-channels"));
  const topics = /** @type {HTMLTableElement} */ (byId("gc-quality-topics"));
  const channelBars = byId("gc-quality-channel-bars");
  const topicBars = byId("gc-quality-topic-bars");
  const gaps = createGaps();
  /** @type {Record<string, HTMLElement>} the chart figures, made on first use */
  const figures = {};
  // Bumped on every refresh: the answers of an older period are dropped.
  let generation = 0;

  function period() {
    return QUALITY_DAYS.includes(days.value) ? days.value : "30";
  }

  /** @param {string} metric */
  function figureFor(metric) {
    if (!figures[metric]) {
      const [, title] = /** @type {(typeof METRICS)[number]} */ (METRICS.find((m) => m[0] === metric));
      const figure = el("figure", "gc-chart");
      figure.setAttribute("data-metric", metric);
      figure.appendChild(el("figcaption", "gc-chart-title", title));
      figure.appendChild(el("p", "gc-chart-failed-text", title + "：没能取到数据，请点刷新"));
      charts.appendChild(figure);
      figures[metric] = figure;
    }
    return figures[metric];
  }

  /**
   * @param {import("./quality-figures.js").Day[]} daily
   * @param {string} span the period's days
   */
  function drawCharts(daily, span) {
    for (const [metric, title, ratio] of METRICS) {
      const figure = figureFor(metric);
      figure.classList.remove("gc-chart-failed");
      const chart = lineChart({
        title: title + "（最近 " + span + " 天）",
        points: daily.map((d) => ({ key: d.day, label: dayLabel(d.day), value: /** @type {number | null} */ (d[metric]) })),
        max: ratio ? 1 : undefined,
        format: ratio ? percent : messagesText,
      });
      const old = figure.querySelector("svg");
      if (old) {
        old.replaceWith(chart);
      } else {
        figure.appendChild(chart);
      }
    }
  }

  function chartsFailed() {
    for (const [metric] of METRICS) {
      figureFor(metric).classList.add("gc-chart-failed");
    }
  }

  /** @param {import("./quality-figures.js").Totals} t */
  function showTotals(t) {
    /**
     * @param {string} id
     * @param {string} value
     * @param {string} note
     */
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
    const up = Math.round(t.up);
    put(
      "gc-q-satisfaction",
      t.ratings ? percent(t.up / t.ratings) : "—",
      t.ratings ? t.ratings + " 次评价（满意 " + up + " · 不满意 " + (t.ratings - up) + "）" : "还没有评价",
    );
  }

  function refresh() {
    const chosen = period();
    days.value = chosen;
    const asked = (generation += 1);
    const current = () => asked === generation;
    updated.textContent = "正在统计…";
    gaps.loading();
    const query = "?days=" + encodeURIComponent(chosen);
    const figuresDone = app.call("GET", "/api/console/quality/figures" + query).then(
      (data) => {
        if (current()) {
          const daily = readDays(data.daily);
          const totals = sumDays(daily);
          showTotals(totals);
          drawCharts(daily, chosen);
          fillTable(channels, totals.channels, channelLabel);
          fillTable(topics, totals.topics, topicLabel);
          drawBars(channelBars, "按渠道的消息数", totals.channels, channelLabel);
          drawBars(topicBars, "按话题的问题数", totals.topics, topicLabel);
        }
      },
      (err) => {
        if (current()) {
          chartsFailed();
        }
        throw err;
      },
    );
    const gapsDone = app.call("GET", "/api/console/quality/gaps" + query).then(
      (data) => {
        if (current()) {
          gaps.show(asList(data.items), app.me.role, data);
        }
      },
      (err) => {
        if (current()) {
          gaps.failed(err instanceof ApiError && err.message ? err.message : FAILURES.server);
        }
        throw err;
      },
    );
    Promise.all([figuresDone, gapsDone])
      .then(() => {
        if (current()) {
          updated.textContent = "最近 " + chosen + " 天 · 更新于 " + clock(new Date().toISOString());
        }
      })
      .catch((err) => {
        if (current()) {
          updated.textContent = "刷新失败";
          app.failed(err);
        }
      });
    app.setHash();
  }

  byId("gc-quality-form").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  days.addEventListener("change", refresh);

  return {
    refresh,
    period,
    /** @param {string} value a period from the address */
    choose(value) {
      if (QUALITY_DAYS.includes(value)) {
        days.value = value;
      }
    },
  };
}
