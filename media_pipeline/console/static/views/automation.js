// Automation tabs (seed 001 §8): per stage, failed and done, with counts; live rows over the WebSocket.
import { api, wsUrl } from "../api.js";
import { h } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { banner, showError, STAGES } from "../ui.js";
import { logViewer } from "./logs.js";
import { showStopResult } from "./stopresult.js";
import { confirmWithCost, creditsChanged, planCosts, retryCosts } from "./credits.js";

const TABS = ["scheduled", "review", ...STAGES, "failed", "done"];
const REFRESH_MS = 10000;
const FALLBACK_POLL_MS = 5000;
// The commands with a button, in button order; a task's `actions` (from the server) say which it allows.
export const TASK_COMMANDS = ["stop", "retry", "rerun"];

export async function taskAction(kind, taskId, title, errorSlot) {
  // what a rerun (every image again) or a retry (the images not made) of a paid task costs (views/credits.js)
  const costs = kind === "rerun" ? api.get(`/api/v1/videos/${taskId}`).then((task) => planCosts([task.settings]))
    : kind === "retry" ? retryCosts(taskId) : Promise.resolve([]);
  if (!(await confirmWithCost(t(`confirm.${kind}`, { title }), costs))) return false;
  try {
    const result = await api.post(`/api/automation/${kind}`, { taskId });
    banner(t(`done.${kind}`));
    creditsChanged();
    if (kind === "stop") await showStopResult(result);
    return true;
  } catch (err) {
    showError(document, err, errorSlot);
    return false;
  }
}

function rowsOf(data, tab) {
  if (tab === "scheduled") return data.scheduled;
  if (tab === "review") return data.review;
  if (tab === "failed" || tab === "done") return data.tabs[tab];
  const stage = data.tabs.stages[tab] || { waiting: [], processing: [] };
  return [...stage.processing, ...stage.waiting];
}

function scheduledRow(task) {
  return { taskId: task.id, title: task.title, taskStatus: task.status, stage: null, stageStatus: null,
    progress: task.progress, error: task.lastError, updatedAt: task.updatedAt, actions: task.actions };
}

// A task waiting for a storyboard or final review (its stage slot is free while it waits).
function reviewRow(item) {
  return { taskId: item.videoId, title: item.title, taskStatus: "review", stage: item.kind === "final" ? "thumbnail" : "images",
    stageStatus: null, progress: 0, error: t(`review.waiting.${item.kind}`), updatedAt: item.requestedAt, actions: item.actions };
}

export function renderAutomation(main, tabName) {
  const active = TABS.includes(tabName) ? tabName : "script";
  const sockets = new Map();
  let timer = null;
  let reloadPending = null;
  let closed = false;
  let polling = false;
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": t("auto.title") });
  const panel = h("div", { role: "tabpanel", id: "tab-panel", tabindex: "0" });
  const liveNote = h("p", { class: "muted", id: "live-mode" });
  const error = h("p", { class: "error", role: "alert", id: "auto-error" });

  async function load() {
    const [tabs, scheduled, reviews] = await Promise.all([
      api.get("/api/automation/tabs"),
      api.get("/api/v1/videos?status=scheduled"),
      api.get("/api/v1/reviews"),
    ]);
    return { tabs, scheduled: scheduled.items.map(scheduledRow), review: reviews.items.map(reviewRow) };
  }

  function drawTabs(data) {
    tablist.replaceChildren(...TABS.map((tab) => {
      const selected = tab === active;
      const button = h("button", { type: "button", role: "tab", id: `tab-${tab}`, "aria-selected": String(selected),
        "aria-controls": "tab-panel", tabindex: selected ? "0" : "-1", dataset: { tab },
        onclick: () => { location.hash = `#/automation/${tab}`; } },
      t(`tab.${tab}`), h("span", { class: "count", "data-count": tab }, String(rowsOf(data, tab).length)));
      button.addEventListener("keydown", (e) => {
        const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        const next = TABS[(TABS.indexOf(tab) + step + TABS.length) % TABS.length];
        location.hash = `#/automation/${next}`;
      });
      return button;
    }));
  }

  function actions(row) {
    const slot = h("span", { class: "error", role: "alert" });
    const buttons = [h("a", { class: "button", href: `#/tasks/${row.taskId}` }, t("act.open"))];
    if (row.actions.review) buttons.push(h("a", { class: "button", href: `#/review/${row.taskId}`, "data-action": "review" }, t("act.review")));
    const act = (kind) => h("button", { type: "button", class: kind === "stop" ? "danger" : "", "data-action": kind,
      onclick: async () => { if (await taskAction(kind, row.taskId, row.title, slot)) refresh(); } }, t(`act.${kind}`));
    for (const kind of TASK_COMMANDS) if (row.actions[kind]) buttons.push(act(kind));
    return h("td", { class: "actions", "data-label": t("col.actions") }, ...buttons, slot);
  }

  function drawRows(rows) {
    if (!rows.length) { panel.replaceChildren(h("p", { class: "muted" }, t("tab.empty"))); return; }
    const body = h("tbody", {}, rows.map((row) => h("tr", { class: "task-row", dataset: { taskId: row.taskId } },
      h("td", { "data-label": t("col.title") }, h("a", { href: `#/tasks/${row.taskId}` }, row.title)),
      h("td", { "data-label": t("col.stage"), "data-field": "stage" }, row.stage ? t(`stage.${row.stage}`) : "-"),
      h("td", { "data-label": t("col.status"), "data-field": "status" },
        row.stageStatus ? t(`sstatus.${row.stageStatus}`) : t(`status.${row.taskStatus}`)),
      h("td", { "data-label": t("col.progress") },
        h("progress", { max: 100, value: row.progress, "aria-label": `${t("col.progress")} ${row.title}` }),
        h("span", { "data-field": "percent" }, ` ${Math.round(row.progress)}%`)),
      h("td", { "data-label": t("col.message"), "data-field": "message" }, row.error || ""),
      h("td", { "data-label": t("col.updated") }, fmtDate(row.updatedAt)),
      actions(row))));
    panel.replaceChildren(h("table", { class: "responsive" }, h("thead", {}, h("tr", {},
      ...["col.title", "col.stage", "col.status", "col.progress", "col.message", "col.updated", "col.actions"]
        .map((k) => h("th", { scope: "col" }, t(k))))), body));
  }

  function scheduleRefresh(delay = 250) {
    if (reloadPending || closed) return;
    reloadPending = setTimeout(() => { reloadPending = null; refresh(); }, delay);
  }

  function follow(rows) {
    const wanted = new Set(rows.filter((r) => ["queued", "running"].includes(r.taskStatus)).map((r) => r.taskId));
    for (const [id, socket] of sockets) if (!wanted.has(id)) { socket.close(); sockets.delete(id); }
    for (const id of wanted) {
      if (sockets.has(id)) continue;
      const socket = new WebSocket(wsUrl(`/ws/v1/videos/${id}/progress`));
      let last = null;
      socket.onmessage = (message) => {
        const event = JSON.parse(message.data);
        if (event.type === "error") return;
        if (!["snapshot", "status", "progress"].includes(event.type)) return;
        const tr = panel.querySelector(`tr[data-task-id="${id}"]`);
        if (tr) {
          tr.querySelector("progress").value = event.progress;
          tr.querySelector('[data-field="percent"]').textContent = ` ${Math.round(event.progress)}%`;
          tr.querySelector('[data-field="message"]').textContent = event.lastError || event.message || "";
        }
        const key = `${event.status}/${event.step}`;
        if (last !== null && key !== last) scheduleRefresh();
        last = key;
      };
      socket.onclose = (e) => {
        sockets.delete(id);
        if (closed) return;
        if (e.code === 1000) scheduleRefresh();
        else usePolling();
      };
      sockets.set(id, socket);
    }
    liveNote.textContent = polling ? t("live.poll") : t("live.ws");
  }

  function usePolling() {
    if (closed) return;
    clearInterval(timer);
    timer = setInterval(refresh, FALLBACK_POLL_MS);
    polling = true;
    liveNote.textContent = t("live.poll");
  }

  async function refresh() {
    try {
      const data = await load();
      if (closed) return;
      error.textContent = "";
      drawTabs(data);
      const rows = rowsOf(data, active);
      drawRows(rows);
      follow(rows);
    } catch (err) {
      if (!closed) showError(main, err, error);
    }
  }

  main.replaceChildren(h("section", {}, h("h1", {}, t("auto.title")), liveNote, error, tablist, panel), logViewer());
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
  return () => {
    closed = true;
    clearInterval(timer);
    clearTimeout(reloadPending);
    for (const socket of sockets.values()) socket.close();
  };
}
