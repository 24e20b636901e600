// Queue drawer (seed 000 §4): drafts in order, add, bulk settings with "save as default", drag/keyboard
// reorder, select + delete, Run. Every change sends the queue version; a 409 reloads and says so. The same
// view is the queue page and the right-side drawer of every page (views/drawer.js).
import { api } from "../api.js";
import { confirmDialog, field, h } from "../dom.js";
import { t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import { openBulkDialog } from "./bulk.js";
import { confirmWithCost, creditsChanged, planCosts } from "./credits.js";

const CHIP_KEYS = ["type", "mediaMode", "language", "privacy", "targetDurationS", "imageCount"];

function chips(settings) {
  return h("span", { class: "chips" }, CHIP_KEYS.filter((key) => settings[key] !== undefined && settings[key] !== null)
    .map((key) => h("span", { class: "chip", title: t(`opt.${key}`) }, `${t(`opt.${key}`)}: ${settings[key]}`)));
}

export function renderQueue(main) { return queueView(main, false); }

// The queue in the drawer (views/drawer.js): the same list and actions; drafts come from the library grid.
export function renderQueueDrawer(container) { return queueView(container, true); }

function queueView(main, embedded) {
  const state = { queue: null, version: 0, drafts: [], selected: new Set() };
  const list = h("ol", { class: "drafts", id: "drafts", "aria-label": t("queue.title") });
  const actionError = h("p", { class: "error", role: "alert", id: "queue-error" });
  const header = h("p", { class: "muted", id: "queue-meta" });

  async function load() {
    state.queue = await api.get("/api/queue");
    const listing = await api.get(`/api/queue/${state.queue.id}/jobs`);
    state.version = listing.version;
    state.drafts = listing.jobs;
    state.selected = new Set([...state.selected].filter((id) => state.drafts.some((d) => d.id === id)));
    draw();
    window.dispatchEvent(new CustomEvent("queue-changed", { detail: { count: state.drafts.length } }));
  }

  async function change(fn) {
    actionError.textContent = "";
    try {
      const result = await fn();
      if (result && typeof result.version === "number") state.version = result.version;
      await load();
      return result;
    } catch (err) {
      if (err.status === 409) {
        banner(t("queue.conflict"));
        actionError.textContent = t("queue.conflict");
        await load();
      } else {
        showError(main, err, actionError);
      }
      return null;
    }
  }

  const base = () => `/api/queue/${state.queue.id}/jobs`;

  function reorder(ids) {
    return change(() => api.patch(`${base()}/reorder`, { orderedJobIds: ids, version: state.version }));
  }

  function move(index, delta, onRow = false) {
    const ids = state.drafts.map((d) => d.id);
    const target = index + delta;
    if (target < 0 || target >= ids.length) return;
    [ids[index], ids[target]] = [ids[target], ids[index]];
    const movedId = ids[target];
    reorder(ids).then(() => {
      const row = list.querySelector(`[data-id="${movedId}"]`);
      (onRow ? row : row?.querySelector(`[data-move="${delta < 0 ? "up" : "down"}"]`))?.focus();
    });
  }

  let dragId = null;
  function draftItem(draft, index) {
    const settings = draft.settings || {};
    const checkbox = h("input", { type: "checkbox", checked: state.selected.has(draft.id),
      "aria-label": t("queue.select", { title: draft.title }),
      onchange: (e) => { e.target.checked ? state.selected.add(draft.id) : state.selected.delete(draft.id); drawToolbar(); } });
    const item = h("li", { class: "draft", draggable: "true", tabindex: "0", dataset: { id: draft.id },
      "aria-label": `${index + 1}. ${draft.title}`, "aria-keyshortcuts": "Alt+ArrowUp Alt+ArrowDown",
      onkeydown: (e) => {
        if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) { e.preventDefault(); move(index, e.key === "ArrowUp" ? -1 : 1, true); }
      } },
      h("span", { class: "handle", "aria-hidden": "true", title: t("queue.drag", { title: draft.title }) }, "⠿"),
      checkbox,
      h("div", {}, h("div", { class: "title" }, `${index + 1}. ${draft.title}`),
        h("div", { class: "muted" }, draft.assetId || ""), chips(settings)),
      h("div", { class: "moves" },
        h("button", { type: "button", "data-move": "up", "aria-label": t("queue.moveUp", { title: draft.title }),
          disabled: index === 0, onclick: () => move(index, -1) }, "↑"),
        h("button", { type: "button", "data-move": "down", "aria-label": t("queue.moveDown", { title: draft.title }),
          disabled: index === state.drafts.length - 1, onclick: () => move(index, 1) }, "↓")));
    item.addEventListener("dragstart", (e) => { dragId = draft.id; item.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", draft.id); });
    item.addEventListener("dragend", () => { item.classList.remove("dragging"); dragId = null; });
    item.addEventListener("dragover", (e) => { e.preventDefault(); item.classList.add("over"); });
    item.addEventListener("dragleave", () => item.classList.remove("over"));
    item.addEventListener("drop", (e) => {
      e.preventDefault();
      item.classList.remove("over");
      const from = dragId || e.dataTransfer.getData("text/plain");
      if (!from || from === draft.id) return;
      const ids = state.drafts.map((d) => d.id).filter((id) => id !== from);
      ids.splice(ids.indexOf(draft.id) + (state.drafts.findIndex((d) => d.id === from) < index ? 1 : 0), 0, from);
      reorder(ids);
    });
    return item;
  }

  const toolbar = h("div", { class: "row", id: "queue-toolbar" });
  function drawToolbar() {
    const n = state.selected.size;
    const all = h("input", { type: "checkbox", id: "select-all", checked: n > 0 && n === state.drafts.length,
      onchange: (e) => { state.selected = new Set(e.target.checked ? state.drafts.map((d) => d.id) : []); draw(); } });
    toolbar.replaceChildren(
      h("label", { class: "inline" }, all, t("queue.selectAll")),
      h("button", { type: "button", id: "bulk-open", disabled: n === 0, onclick: openBulk }, t("queue.bulk")),
      h("button", { type: "button", class: "danger", id: "delete-selected", disabled: n === 0, onclick: async () => {
        if (!(await confirmDialog(t("queue.confirmDelete", { n }), t("yes"), t("no")))) return;
        const ids = [...state.selected];
        const result = await change(() => api.del(`${base()}/bulk`, { jobIds: ids, version: state.version }));
        if (result) state.selected.clear(), draw();
      } }, t("queue.delete")),
      h("button", { type: "button", id: "run-selected", disabled: n === 0, onclick: () => run([...state.selected]) }, t("queue.runSelected")),
      h("button", { type: "button", class: "primary", id: "run-all", disabled: state.drafts.length === 0, onclick: () => run(null) }, t("queue.run")));
  }

  async function run(ids) {
    const n = ids ? ids.length : state.drafts.length;
    const chosen = ids ? state.drafts.filter((d) => ids.includes(d.id)) : state.drafts;
    if (!(await confirmWithCost(t("queue.confirmRun", { n }), planCosts(chosen.map((d) => d.settings || {}))))) return;
    const body = { version: state.version, ...(ids ? { jobIds: ids } : {}) };
    const result = await change(() => api.post(`/api/queue/${state.queue.id}/run`, body));
    if (result) banner(t("queue.ran", { n: result.queued.length + result.scheduled.length }));
    creditsChanged();
  }

  function openBulk() {
    const ids = [...state.selected];
    return openBulkDialog(ids, {
      apply: async (partial, saveAsDefault) => {
        const result = await api.patch(`${base()}/bulk`, { jobIds: ids, optionsPartial: partial, saveAsDefault, version: state.version });
        state.version = result.version;
        await load();
      },
      onConflict: async () => { banner(t("queue.conflict")); actionError.textContent = t("queue.conflict"); await load(); },
    });
  }

  function draw() {
    header.textContent = `${state.queue.name} · ${t("queue.version", { v: state.version })} · ${t("queue.defaults")}: ` +
      (Object.entries(state.queue.defaultOptions || {}).map(([k, v]) => `${k}=${v}`).join(", ") || "-");
    list.replaceChildren(...(state.drafts.length ? state.drafts.map(draftItem) : [h("li", { class: "muted" }, t("queue.empty"))]));
    drawToolbar();
  }

  const assetId = h("input", { name: "assetId", maxlength: 200 });
  const title = h("input", { name: "title", maxlength: 100 });
  const addError = h("p", { class: "error", role: "alert", id: "add-error" });
  const addForm = h("form", { class: "row", id: "add-form" }, field(t("queue.assetId"), assetId, "assetIds"),
    field(t("queue.assetTitle"), title, "title"), h("button", { type: "submit", class: "primary" }, t("queue.add")));
  addForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = title.value.trim();
    const asset = assetId.value.trim() || name;
    if (!asset) { addError.textContent = `${t("queue.assetId")} / ${t("queue.assetTitle")}`; return; }
    addError.textContent = "";
    try {
      const result = await api.post(base(), { assetIds: [asset], ...(name ? { options: { title: name } } : {}), version: state.version });
      state.version = result.version;
      assetId.value = ""; title.value = "";
      banner(t("queue.added", { n: result.createdIds.length }));
      await load();
      assetId.focus();
    } catch (err) {
      if (err.status === 409) { banner(t("queue.conflict")); addError.textContent = t("queue.conflict"); await load(); }
      else showError(addForm, err, addError);
    }
  });

  main.replaceChildren(h("section", {}, embedded ? h("h2", { id: "drawer-title" }, t("queue.title")) : h("h1", {}, t("queue.title")),
    header, embedded ? null : h("div", { class: "card" }, addForm, addError), toolbar, actionError, list));
  load().catch((err) => showError(main, err, actionError));
  return null;
}
