// Log viewer (seed 001 §14.4): filters by task, level, stage, action and time range.
import { api } from "../api.js";
import { field, h, select } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { showError, STAGES } from "../ui.js";

const LEVELS = ["debug", "info", "warning", "error"];
const ACTIONS = ["queue", "start", "progress", "complete", "fail", "retry", "stop", "skip", "approve", "schedule"];

export function logViewer(taskId = "") {
  const all = ["", t("logs.all")];
  const controls = {
    taskId: h("input", { name: "taskId", value: taskId, maxlength: 64 }),
    level: select("level", [all, ...LEVELS.map((v) => [v, v])], ""),
    queueType: select("queueType", [all, ...STAGES.map((v) => [v, t(`stage.${v}`)])], ""),
    actionType: select("actionType", [all, ...ACTIONS.map((v) => [v, v])], ""),
    since: h("input", { name: "since", type: "datetime-local" }),
    until: h("input", { name: "until", type: "datetime-local" }),
  };
  const labels = { taskId: "logs.task", level: "logs.level", queueType: "logs.stage", actionType: "logs.action",
    since: "logs.from", until: "logs.to" };
  const error = h("p", { class: "error", role: "alert" });
  const body = h("tbody", { id: "log-rows" });
  const form = h("form", { class: "row", id: "log-filters", "aria-label": t("logs.title") },
    ...Object.entries(controls).map(([key, control]) => field(t(labels[key]), control, key)),
    h("button", { type: "submit" }, t("logs.apply")));

  async function load() {
    const params = new URLSearchParams({ limit: "200" });
    for (const [key, control] of Object.entries(controls)) {
      const value = control.value.trim();
      if (!value) continue;
      params.set(key, key === "since" || key === "until" ? new Date(value).toISOString() : value);
    }
    try {
      const data = await api.get(`/api/automation/logs?${params}`);
      error.textContent = "";
      body.replaceChildren(...(data.items.length ? data.items.map((entry) => h("tr", { class: `level-${entry.level}` },
        h("td", { "data-label": t("col.time") }, fmtDate(entry.createdAt)),
        h("td", { "data-label": t("col.level") }, entry.level),
        h("td", { "data-label": t("logs.stage") }, entry.stage ? t(`stage.${entry.stage}`) : "-"),
        h("td", { "data-label": t("logs.action") }, entry.actionType),
        h("td", { "data-label": t("logs.task") }, h("a", { href: `#/tasks/${entry.taskId}` }, entry.taskId)),
        h("td", { "data-label": t("col.message") }, entry.message)))
        : [h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("logs.empty")))]));
    } catch (err) {
      showError(form, err, error);
    }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  const table = h("table", { class: "responsive" }, h("thead", {}, h("tr", {},
    ...["col.time", "col.level", "logs.stage", "logs.action", "logs.task", "col.message"].map((k) => h("th", { scope: "col" }, t(k))))), body);
  load();
  return h("section", { class: "card", id: "logs" }, h("h2", {}, t("logs.title")), form, error, table);
}
