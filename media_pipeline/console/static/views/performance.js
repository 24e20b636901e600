// Channel performance dashboard (#/performance, docs/ARCHITECTURE.md §13): views per day (uPlot line chart
// with its data table), the most and least viewed videos with sparklines, and the comparison of groups by the
// task settings that made them, each with its count. "More like this" makes a library item with a video's
// settings. The target filter shows one publish target (YouTube, TikTok, Instagram) alone: its videos and
// only its metrics; "all targets" is their sum.
import { api } from "../api.js";
import { dayChart, sparkline } from "../charts.js";
import { h, nextId } from "../dom.js";
import { currentLang, t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import "./accounts_i18n.js";
import "./performance_i18n.js";

const PERIODS = [7, 28, 90];
const TARGETS = ["youtube", "tiktok", "instagram"];

function fmtNumber(value) { return new Intl.NumberFormat(currentLang() === "ko" ? "ko-KR" : "en-US").format(value); }

function fmtPct(value) { return value === null || value === undefined ? t("perf.noPct") : `${value.toFixed(1)}%`; }

function groupValue(setting, value) {
  if (setting === "firstLineLength") return t(`perf.bucket.${value}`);
  return setting === "type" ? t(`type.${value}`) : value;
}

// "N views · average view percentage P" with the sparkline of the video's daily views; ``charts`` collects the
// uPlot instances to destroy.
export function performanceLine(video, charts) {
  const line = sparkline(video.dailyViews, t("perf.sparkline",
    { title: video.title, n: video.dailyViews.length, values: video.dailyViews.join(", ") }));
  charts.push(line.chart);
  return h("p", { class: "perf-line", "data-field": "performance" },
    h("span", {}, t("perf.line", { views: fmtNumber(video.views), pct: fmtPct(video.averageViewPercentage) })),
    line.element);
}

// Creates a library item with the settings of ``video``'s task; reports in the banner or ``slot``.
export async function moreLikeThis(video, scope, slot) {
  try {
    await api.post(`/api/contents/${encodeURIComponent(video.contentId)}/more-like-this`, {});
    banner(t("perf.created", { title: video.title }));
  } catch (err) { showError(scope, err, slot); }
}

function videoList(id, videos, charts) {
  const list = h("ol", { class: "perf-videos", id });
  list.append(...videos.map((video) => {
    const slot = h("span", { class: "error", role: "alert" });
    return h("li", { dataset: { contentId: video.contentId } },
      h("a", { href: `#/tasks/${video.taskId}` }, video.title), performanceLine(video, charts),
      h("button", { type: "button", "data-action": "more-like-this", onclick: () => moreLikeThis(video, list, slot) },
        t("perf.moreLikeThis")), slot);
  }));
  return list;
}

function groupsTable(groups) {
  const head = ["setting", "value", "count", "views", "avgViews", "avgPct"];
  return h("table", { class: "responsive", id: "setting-groups" },
    h("thead", {}, h("tr", {}, head.map((key) => h("th", { scope: "col" }, t(`perf.${key}`))))),
    h("tbody", {}, groups.map((group) => h("tr", { dataset: { setting: group.setting, value: group.value } },
      h("td", { "data-label": t("perf.setting") }, t(`perf.setting.${group.setting}`)),
      h("td", { "data-label": t("perf.value") }, groupValue(group.setting, group.value)),
      h("td", { "data-label": t("perf.count"), "data-field": "count" }, String(group.count)),
      h("td", { "data-label": t("perf.views") }, fmtNumber(group.views)),
      h("td", { "data-label": t("perf.avgViews") }, fmtNumber(group.averageViews)),
      h("td", { "data-label": t("perf.avgPct") }, fmtPct(group.averageViewPercentage))))));
}

function viewsTable(days) {
  return h("details", {}, h("summary", {}, t("perf.data")),
    h("table", { id: "views-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("perf.day")), h("th", { scope: "col" }, t("perf.views")))),
      h("tbody", {}, days.map((day) => h("tr", {}, h("td", {}, day.day), h("td", {}, String(day.views)))))));
}

export function renderPerformance(main) {
  const charts = [];
  let closed = false;
  const error = h("p", { class: "error", role: "alert", id: "performance-error" });
  const body = h("div", { id: "performance-body" });
  const days = h("select", { name: "days", id: nextId("days") },
    PERIODS.map((n) => h("option", { value: String(n), selected: n === 28 }, t("perf.daysN", { n }))));
  const channel = h("select", { name: "channelSettingId", id: nextId("channel") },
    h("option", { value: "" }, t("perf.allChannels")));
  const target = h("select", { name: "target", id: nextId("target") },
    h("option", { value: "" }, t("perf.allTargets")),
    TARGETS.map((name) => h("option", { value: name }, t(`targets.${name}`))));
  const form = h("form", { class: "row filters", id: "performance-filters" },
    h("label", {}, t("perf.days"), days), h("label", {}, t("perf.channel"), channel),
    h("label", {}, t("perf.target"), target), h("button", { type: "submit", class: "primary" }, t("perf.show")));

  function destroyCharts() { for (const chart of charts.splice(0)) chart.destroy(); }

  async function load() {
    const params = new URLSearchParams({ days: days.value });
    if (channel.value) params.set("channelSettingId", channel.value);
    if (target.value) params.set("target", target.value);
    try {
      const summary = await api.get(`/api/performance/summary?${params}`);
      if (closed) return;
      destroyCharts();
      error.textContent = "";
      if (!summary.videos.length) { body.replaceChildren(h("p", { class: "muted" }, t("perf.none"))); return; }
      const chartBox = h("div", { class: "perf-chart", id: "views-chart" });
      body.replaceChildren(
        h("section", { "aria-labelledby": "views-title" }, h("h2", { id: "views-title" }, summary.target
          ? t("perf.viewsPerDayOn", { target: t(`targets.${summary.target}`) }) : t("perf.viewsPerDay")),
          chartBox, viewsTable(summary.viewsPerDay)),
        h("div", { class: "perf-lists" },
          h("section", {}, h("h2", {}, t("perf.top")), videoList("top-videos", summary.top, charts)),
          h("section", {}, h("h2", {}, t("perf.bottom")), videoList("bottom-videos", summary.bottom, charts))),
        h("section", {}, h("h2", {}, t("perf.groups")), h("p", { class: "muted" }, t("perf.groupsNote")),
          groupsTable(summary.groups)));
      charts.push(dayChart(chartBox, {
        since: summary.since,
        values: summary.viewsPerDay.map((day) => day.views),
        label: t("perf.views"),
        dayLabel: t("perf.day"),
        width: Math.max(240, Math.min(chartBox.clientWidth || main.clientWidth - 32, 1100)),
      }));
    } catch (err) {
      if (!closed) showError(form, err, error);
    }
  }

  api.get("/api/channels").then((channels) => {
    if (!closed) channel.append(...channels.items.map((item) => h("option", { value: item.id }, item.name)));
  }).catch((err) => showError(form, err, error));
  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  main.replaceChildren(h("h1", {}, t("perf.title")), form, error, body);
  load();
  return () => { closed = true; destroyCharts(); };
}
