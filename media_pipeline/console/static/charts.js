// Charts of the console with uPlot (static/vendor, copied from node_modules by `make console-deps`; no CDN):
// a views-per-day line chart and the small sparklines of the contents and dashboard lists. Every chart has a
// text alternative (an aria-label here, a data table next to the line chart in the dashboard).
import uPlot from "./vendor/uPlot.esm.js";

const DAY_S = 86400;
const STROKE = "#2b59c3";
const FILL = "rgba(43, 89, 195, 0.15)";

// Unix seconds of ``count`` consecutive days starting at ``since`` ("YYYY-MM-DD", a UTC day).
function dayTimes(since, count) {
  const start = Date.parse(`${since}T00:00:00Z`) / 1000;
  return Array.from({ length: count }, (_, index) => start + index * DAY_S);
}

// A line chart of ``values`` per day since ``since`` in ``container``, ``width`` pixels wide, its series and
// its x axis named ``label`` and ``dayLabel`` in the legend; returns the uPlot instance (destroy() it when the
// page goes).
export function dayChart(container, { since, values, label, dayLabel, width }) {
  const options = {
    width,
    height: 220,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
    scales: { y: { range: (_, min, max) => [0, Math.max(1, max)] } },
    series: [{ label: dayLabel }, { label, stroke: STROKE, fill: FILL, width: 2, points: { show: values.length <= 45 } }],
    axes: [{}, { size: 56 }],
  };
  return new uPlot(options, [dayTimes(since, values.length), values], container);
}

// A sparkline (no axes, no legend, no cursor) of ``values`` in an element labelled ``label``; returns
// {element, chart}.
export function sparkline(values, label) {
  const element = document.createElement("span");
  element.className = "sparkline";
  element.setAttribute("role", "img");
  element.setAttribute("aria-label", label);
  const chart = new uPlot({
    width: 120,
    height: 32,
    pxAlign: false,
    cursor: { show: false },
    select: { show: false },
    legend: { show: false },
    scales: { x: { time: false }, y: { range: (_, min, max) => [0, Math.max(1, max)] } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: STROKE, fill: FILL, width: 1.5, points: { show: false } }],
  }, [values.map((_, index) => index), values], element);
  return { element, chart };
}
