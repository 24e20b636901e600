// What a stop ended (seed 001 §12.4): running runs, running and waiting stages, paused schedules and the
// processes of the stopped runs, shown in a dialog after POST /api/automation/stop answered.
import { h } from "../dom.js";
import { t } from "../i18n.js";

const stageNames = (stages) => stages.map((stage) => t(`stage.${stage}`)).join(", ");

// Resolves when the dialog is closed.
export function showStopResult(result) {
  const rows = [
    ["runs", result.terminatedRunIds.length, result.terminatedRunIds.join(", ")],
    ["running", result.canceledRunningStages.length, stageNames(result.canceledRunningStages)],
    ["waiting", result.canceledWaitingStages.length, stageNames(result.canceledWaitingStages)],
    ["schedules", result.pausedSchedules, ""],
    ["processes", result.endedProcesses.length,
      result.endedProcesses.map((p) => `${t(`stop.role.${p.role}`)} ${p.pid} (${t(`stage.${p.stage}`)})`).join(", ")],
  ];
  return new Promise((resolve) => {
    const title = h("h2", { id: "stop-result-title" }, result.changed ? t("stop.title") : t("stop.nothing"));
    const dialog = h("dialog", { id: "stop-result", "aria-labelledby": "stop-result-title" }, title,
      h("dl", { class: "facts" }, rows.flatMap(([key, count, detail]) => [
        h("dt", {}, t(`stop.${key}`)),
        h("dd", { "data-stop": key }, h("strong", { "data-count": "" }, String(count)), detail ? ` · ${detail}` : ""),
      ])),
      h("div", { class: "row" }, h("button", { type: "button", class: "primary", onclick: () => close() }, t("stop.ok"))));
    const close = () => { dialog.close(); dialog.remove(); resolve(); };
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
