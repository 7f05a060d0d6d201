/*
 * Small SVG charts drawn in the browser from figures the page already has: a line chart
 * (one value a day, gaps where a day has none) and a horizontal bar chart.
 *
 * Built with DOM calls only: text goes in through textContent, geometry through SVG
 * attributes, looks through CSS classes (console.css), so the strict CSP (no inline
 * style) holds. Each day of a line chart is a focusable point: hovering, focusing (←/→
 * move between days, one tab stop per chart) or tapping it shows its value.
 */

const SVG = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {Record<string, string | number>} [attributes]
 * @returns {SVGElement}
 */
function svg(tag, className, attributes = {}) {
  const node = /** @type {SVGElement} */ (document.createElementNS(SVG, tag));
  if (className) {
    node.setAttribute("class", className);
  }
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, String(value));
  }
  return node;
}

/**
 * @param {SVGElement} parent
 * @param {string} className
 * @param {number} x
 * @param {number} y
 * @param {string} text
 */
function label(parent, className, x, y, text) {
  const node = svg("text", className, { x, y });
  node.textContent = text;
  parent.appendChild(node);
  return node;
}

/**
 * The top of the y axis for counts: 2, 4, 10, 20, 40, 100… so that its half is a whole number too.
 * @param {number} max
 */
export function niceCeiling(max) {
  for (let scale = 1; ; scale *= 10) {
    for (const step of [2, 4, 10]) {
      if (step * scale >= max) {
        return step * scale;
      }
    }
  }
}

/**
 * @typedef {object} LinePoint
 * @property {string} key    the day, "2024-03-18"
 * @property {string} label  how the day is said, "3月18日"
 * @property {number | null} value  null: no data that day (the line has a gap)
 */

/**
 * @typedef {object} LineChartSpec
 * @property {string} title  the chart's name, read out with it
 * @property {LinePoint[]} points  in order, one per day
 * @property {number} [max]  the top of the y axis (1 for ratios); from the data when left out
 * @property {(value: number) => string} format  a value as shown ("12 条", "80%")
 */

const LINE = { width: 640, height: 220, left: 52, right: 16, top: 14, bottom: 30 };

/**
 * @param {LineChartSpec} spec
 * @returns {SVGSVGElement}
 */
export function lineChart(spec) {
  const { width, height, left, right, top, bottom } = LINE;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const values = spec.points.map((p) => p.value).filter((v) => v !== null);
  const max = spec.max || niceCeiling(Math.max(0, ...values));
  const count = spec.points.length;
  /** @param {number} i */
  const xOf = (i) => left + (count > 1 ? (i * plotWidth) / (count - 1) : plotWidth / 2);
  /** @param {number} v */
  const yOf = (v) => top + plotHeight - (Math.min(Math.max(v, 0), max) / max) * plotHeight;

  const root = /** @type {SVGSVGElement} */ (
    svg("svg", "gc-chart-svg gc-line-chart", { viewBox: `0 0 ${width} ${height}`, width, height })
  );
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", spec.title + "（用左右方向键逐天查看）");

  // The grid: bottom, middle and top of the scale, with their values.
  const grid = svg("g", "gc-chart-grid");
  for (const fraction of [0, 0.5, 1]) {
    const y = yOf(max * fraction);
    grid.appendChild(svg("line", "gc-chart-gridline", { x1: left, x2: width - right, y1: y, y2: y }));
    label(grid, "gc-chart-tick gc-chart-tick-y", left - 6, y + 4, spec.format(max * fraction));
  }
  root.appendChild(grid);

  // The first, middle and last days under the axis: enough to place a day.
  if (count) {
    const axis = svg("g", "gc-chart-axis");
    const shown = new Set([0, Math.floor((count - 1) / 2), count - 1]);
    for (const i of shown) {
      const tick = label(axis, "gc-chart-tick gc-chart-tick-x", xOf(i), height - 10, spec.points[i].label);
      tick.setAttribute("text-anchor", count === 1 ? "middle" : i === 0 ? "start" : i === count - 1 ? "end" : "middle");
    }
    root.appendChild(axis);
  }

  // The line, broken where a day has no value (no rate on a day without messages).
  let path = "";
  let drawing = false;
  spec.points.forEach((p, i) => {
    if (p.value === null) {
      drawing = false;
      return;
    }
    path += (drawing ? " L" : " M") + xOf(i).toFixed(1) + " " + yOf(p.value).toFixed(1);
    drawing = true;
  });
  if (path) {
    root.appendChild(svg("path", "gc-chart-line", { d: path.trim() }));
  }

  // The points: a column-wide invisible target (easy to hover or tap) and the dot.
  const column = count > 1 ? plotWidth / (count - 1) : plotWidth;
  const points = svg("g", "gc-chart-points");
  /** @type {SVGElement[]} */
  const targets = [];
  spec.points.forEach((p, i) => {
    if (p.value === null) {
      return;
    }
    const text = p.label + "：" + spec.format(p.value);
    const point = svg("g", "gc-point", { "data-key": p.key, "data-value": p.value, tabindex: -1 });
    point.setAttribute("role", "img");
    point.setAttribute("aria-label", text);
    // The target spans half the way to each neighbour, within the plot.
    const from = Math.max(left, xOf(i) - column / 2);
    const to = Math.min(width - right, xOf(i) + column / 2);
    point.appendChild(svg("rect", "gc-point-target", { x: from, y: top, width: to - from, height: plotHeight }));
    point.appendChild(svg("circle", "gc-point-dot", { cx: xOf(i), cy: yOf(p.value), r: 3.5 }));
    points.appendChild(point);
    targets.push(point);
  });
  root.appendChild(points);
  // One tab stop per chart: the latest day; ←/→ go from there.
  if (targets.length) {
    targets[targets.length - 1].setAttribute("tabindex", "0");
  }

  const tip = tooltip(root);

  /** @param {SVGElement} point */
  function show(point) {
    const dot = /** @type {SVGCircleElement} */ (point.querySelector(".gc-point-dot"));
    for (const other of targets) {
      other.classList.toggle("gc-point-on", other === point);
    }
    tip.show(point.getAttribute("aria-label") || "", Number(dot.getAttribute("cx")), Number(dot.getAttribute("cy")));
  }

  function hide() {
    for (const point of targets) {
      point.classList.remove("gc-point-on");
    }
    tip.hide();
  }

  /** @param {EventTarget | null} target */
  const pointOf = (target) =>
    /** @type {SVGElement | null} */ (target instanceof Element ? target.closest(".gc-point") : null);

  root.addEventListener("pointerover", (event) => {
    const point = pointOf(event.target);
    if (point) {
      show(point);
    }
  });
  root.addEventListener("pointerleave", () => {
    // Keep the value of the focused day (keyboard or tap) once the mouse goes.
    const focused = pointOf(document.activeElement);
    if (focused && root.contains(focused)) {
      show(focused);
    } else {
      hide();
    }
  });
  root.addEventListener("focusin", (event) => {
    const point = pointOf(event.target);
    if (point) {
      for (const other of targets) {
        other.setAttribute("tabindex", other === point ? "0" : "-1");
      }
      show(point);
    }
  });
  root.addEventListener("focusout", (event) => {
    if (!(event.relatedTarget instanceof Node && root.contains(event.relatedTarget))) {
      hide();
    }
  });
  // A tap focuses the day (a phone has no hover), which shows its value until a tap elsewhere.
  root.addEventListener("click", (event) => {
    const point = pointOf(event.target);
    if (point) {
      point.focus();
      show(point);
    }
  });
  root.addEventListener("keydown", (event) => {
    const at = targets.indexOf(/** @type {SVGElement} */ (pointOf(document.activeElement)));
    if (at < 0) {
      return;
    }
    const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: targets.length - 1 }[event.key];
    if (next !== undefined && targets[next]) {
      event.preventDefault();
      targets[next].focus();
    }
  });
  return root;
}

/**
 * The value box over a chart: one <g> moved to the point shown.
 * @param {SVGSVGElement} root
 */
function tooltip(root) {
  const group = svg("g", "gc-tip", { "aria-hidden": "true" });
  const box = svg("rect", "gc-tip-box", { rx: 4, ry: 4, height: 22 });
  const text = svg("text", "gc-tip-text", { "text-anchor": "middle" });
  group.appendChild(box);
  group.appendChild(text);
  root.appendChild(group);

  return {
    /**
     * @param {string} words
     * @param {number} x the point's position in the chart
     * @param {number} y
     */
    show(words, x, y) {
      text.textContent = words;
      group.classList.add("gc-tip-on");
      // Measured once shown; a rough width by characters when the browser cannot say (not drawn).
      const measured = /** @type {SVGTextElement} */ (/** @type {unknown} */ (text)).getComputedTextLength();
      const boxWidth = (measured || words.length * 12) + 16;
      const half = boxWidth / 2;
      const cx = Math.min(Math.max(x, LINE.left + half), LINE.width - LINE.right - half);
      // Above the point, or below it when the point is near the top.
      const boxTop = y - 34 >= 0 ? y - 34 : y + 12;
      box.setAttribute("x", (cx - half).toFixed(1));
      box.setAttribute("y", boxTop.toFixed(1));
      box.setAttribute("width", boxWidth.toFixed(1));
      text.setAttribute("x", cx.toFixed(1));
      text.setAttribute("y", (boxTop + 15).toFixed(1));
    },
    hide() {
      group.classList.remove("gc-tip-on");
    },
  };
}

/**
 * @typedef {object} Bar
 * @property {string} key    the code (kept as data-key and shown as the tooltip's detail)
 * @property {string} label  the name shown
 * @property {number} value
 */

const BAR = { width: 300, row: 24, labelWidth: 92, valueWidth: 44 };

/**
 * Horizontal bars, biggest first, each with its name and value written beside it.
 * @param {{title: string, bars: Bar[], format: (value: number) => string}} spec
 * @returns {SVGSVGElement}
 */
export function barChart(spec) {
  const { width, row, labelWidth, valueWidth } = BAR;
  const height = Math.max(1, spec.bars.length) * row + 4;
  const root = /** @type {SVGSVGElement} */ (
    svg("svg", "gc-chart-svg gc-bar-chart", { viewBox: `0 0 ${width} ${height}`, width, height })
  );
  root.setAttribute("role", "img");
  const said = spec.bars.map((b) => b.label + " " + spec.format(b.value)).join("，");
  root.setAttribute("aria-label", spec.title + "：" + (said || "暂无数据"));
  if (!spec.bars.length) {
    label(root, "gc-chart-none", width / 2, row - 6, "暂无数据").setAttribute("text-anchor", "middle");
    return root;
  }
  const max = Math.max(...spec.bars.map((b) => b.value), 1);
  const span = width - labelWidth - valueWidth;
  spec.bars.forEach((bar, i) => {
    const y = i * row + 2;
    const group = svg("g", "gc-bar", { "data-key": bar.key, "data-value": bar.value });
    const hint = svg("title");
    hint.textContent = bar.label + "：" + spec.format(bar.value) + (bar.key !== bar.label ? "（" + bar.key + "）" : "");
    group.appendChild(hint);
    // Long names are cut: the whole name is in the tooltip and the table beside the chart.
    const name = bar.label.length > 7 ? bar.label.slice(0, 6) + "…" : bar.label;
    label(group, "gc-bar-label", labelWidth - 6, y + row / 2 + 4, name).setAttribute("text-anchor", "end");
    const length = Math.max(2, (bar.value / max) * span);
    group.appendChild(svg("rect", "gc-bar-rect", { x: labelWidth, y: y + 4, width: length.toFixed(1), height: row - 8 }));
    label(group, "gc-bar-value", labelWidth + length + 4, y + row / 2 + 4, spec.format(bar.value));
    root.appendChild(group);
  });
  return root;
}
