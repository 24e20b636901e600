// Schedules (seed 001 §2.2/§6): create, edit, pause/resume and delete a task's (repeating) schedule.
import { api } from "../api.js";
import { confirmDialog, field, h, select } from "../dom.js";
import { fmtDate, t, timeZone } from "../i18n.js";
import { banner, OPTION_CHOICES, showError } from "../ui.js";

const REPEATS = ["once", "daily", "weekly", "monthly"];

function localInput(value) {
  if (!value) return "";
  const date = new Date(value);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function renderSchedules(main) {
  const list = h("tbody", { id: "schedule-rows" });
  const listError = h("p", { class: "error", role: "alert" });
  let tasks = [];

  function scheduleForm(existing, onDone) {
    const taskChoices = tasks.map((task) => [task.id, `${task.title} (${t(`status.${task.status}`)})`]);
    const controls = {
      taskId: select("taskId", taskChoices, existing?.taskId),
      scheduledTime: h("input", { name: "scheduledTime", type: "datetime-local", required: true,
        value: localInput(existing?.scheduledTime || new Date(Date.now() + 3600e3).toISOString()) }),
      repeat: select("repeat", REPEATS.map((r) => [r, t(`repeat.${r}`)]), existing?.repeat || "once"),
      timeZone: h("input", { name: "timeZone", value: existing?.timeZone || timeZone(), maxlength: 64 }),
      privacy: select("privacy", OPTION_CHOICES.privacy.map((p) => [p, p]), existing?.privacy || "private"),
    };
    if (existing) controls.taskId.disabled = true;
    const labels = { taskId: "sched.task", scheduledTime: "sched.time", repeat: "sched.repeat", timeZone: "sched.tz", privacy: "sched.privacy" };
    const error = h("p", { class: "error", role: "alert" });
    const form = h("form", { class: "row", "aria-label": existing ? t("sched.edit") : t("sched.new") },
      ...Object.entries(controls).map(([key, control]) => field(t(labels[key]), control, key)),
      h("button", { type: "submit", class: "primary" }, t("sched.save")),
      existing ? h("button", { type: "button", onclick: onDone }, t("sched.cancelEdit")) : null, error);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {
        scheduledTime: new Date(controls.scheduledTime.value).toISOString(),
        repeat: controls.repeat.value, timeZone: controls.timeZone.value.trim(), privacy: controls.privacy.value,
      };
      try {
        if (existing) await api.patch(`/api/automation/schedules/${existing.id}`, body);
        else await api.post("/api/automation/schedules", { ...body, taskId: controls.taskId.value });
        banner(t("sched.saved"));
        onDone();
      } catch (err) {
        showError(form, err, error);
      }
    });
    return form;
  }

  async function load() {
    try {
      const [schedules, videos] = await Promise.all([api.get("/api/automation/schedules"), api.get("/api/v1/videos?limit=200")]);
      tasks = videos.items.filter((task) => task.status !== "draft");
      const titles = new Map(videos.items.map((task) => [task.id, task.title]));
      creator.replaceChildren(h("h2", {}, t("sched.new")), scheduleForm(null, load));
      list.replaceChildren(...(schedules.items.length ? schedules.items.map((s) => {
        const slot = h("span", { class: "error", role: "alert" });
        const row = h("tr", { dataset: { scheduleId: s.id } },
          h("td", { "data-label": t("sched.task") }, h("a", { href: `#/tasks/${s.taskId}` }, titles.get(s.taskId) || s.taskId)),
          h("td", { "data-label": t("sched.time") }, fmtDate(s.scheduledTime)),
          h("td", { "data-label": t("sched.repeat") }, t(`repeat.${s.repeat}`)),
          h("td", { "data-label": t("sched.tz") }, s.timeZone),
          h("td", { "data-label": t("sched.next") }, fmtDate(s.nextRunAt) || "-"),
          h("td", { "data-label": t("sched.active") }, s.isActive ? t("yes") : t("no")),
          h("td", { class: "actions", "data-label": t("col.actions") },
            h("button", { type: "button", "data-action": "edit", onclick: () => {
              row.replaceChildren(h("td", { colspan: 7 }, scheduleForm(s, load)));
            } }, t("sched.edit")),
            h("button", { type: "button", "data-action": "toggle", onclick: async () => {
              try { await api.patch(`/api/automation/schedules/${s.id}`, { isActive: !s.isActive }); load(); }
              catch (err) { showError(row, err, slot); }
            } }, s.isActive ? t("sched.pause") : t("sched.resume")),
            h("button", { type: "button", class: "danger", "data-action": "delete", onclick: async () => {
              if (!(await confirmDialog(t("sched.confirmDelete"), t("yes"), t("no")))) return;
              try { await api.del(`/api/automation/schedules/${s.id}`); load(); }
              catch (err) { showError(row, err, slot); }
            } }, t("sched.delete")), slot));
        return row;
      }) : [h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("sched.empty")))]));
      listError.textContent = "";
    } catch (err) {
      showError(main, err, listError);
    }
  }

  const creator = h("section", { class: "card", id: "schedule-new" });
  main.replaceChildren(h("h1", {}, t("sched.title")), creator, listError,
    h("table", { class: "responsive" }, h("thead", {}, h("tr", {},
      ...["sched.task", "sched.time", "sched.repeat", "sched.tz", "sched.next", "sched.active", "col.actions"]
        .map((k) => h("th", { scope: "col" }, t(k))))), list));
  load();
  return null;
}
