// Library grid, the console's landing page (seed 000 §1/§4): the creator's items as cards (cover, title, type,
// latest status, YouTube link), search and filters, multi-select (shift-click for a range, select all) and
// "큐에 추가" for the selection in one request; the drafts then show in the queue drawer.
import { api, blobUrl } from "../api.js";
import { confirmDialog, h, nextId } from "../dom.js";
import { t } from "../i18n.js";
import { banner, OPTION_CHOICES, showError } from "../ui.js";
import { openDrawer } from "./drawer.js";
import { openNewVideo } from "./newvideo.js";
import "./library_i18n.js";

const PAGE = 24;
const STATUSES = ["draft", "queued", "running", "succeeded", "failed", "canceled", "scheduled"];

export function renderLibrary(main) {
  const state = { items: [], selected: new Set(), anchor: null, offset: 0, total: 0 };
  const objectUrls = [];
  let closed = false;
  const error = h("p", { class: "error", role: "alert", id: "library-error" });
  const grid = h("ul", { class: "library-grid", id: "library-grid", "aria-label": t("lib.title") });
  const pager = h("div", { class: "row", id: "library-pager" });
  const control = (tag, name, attrs, ...children) => h(tag, { name, id: nextId(name), ...attrs }, ...children);
  const filters = h("form", { class: "row filters", id: "library-filters", role: "search" },
    h("label", {}, t("lib.q"), control("input", "q", { type: "search", maxlength: "100" })),
    h("label", {}, t("lib.type"), control("select", "type", {},
      ["", ...OPTION_CHOICES.type].map((v) => h("option", { value: v }, v ? t(`type.${v}`) : t("lib.all"))))),
    h("label", {}, t("lib.status"), control("select", "status", {},
      ["", ...STATUSES].map((v) => h("option", { value: v }, v ? t(`status.${v}`) : t("lib.all"))))),
    h("button", { type: "submit" }, t("lib.filter")));
  const selectAll = h("input", { type: "checkbox", id: "library-select-all" });
  const selectedCount = h("span", { class: "muted", id: "library-selected", "aria-live": "polite" });
  const addButton = h("button", { type: "button", class: "primary", id: "library-add", disabled: true }, t("lib.addToQueue"));
  const newButton = h("button", { type: "button", id: "library-new" }, t("lib.new"));
  const toolbar = h("div", { class: "row library-toolbar" },
    h("label", { class: "inline" }, selectAll, t("lib.selectAll")), selectedCount, addButton, newButton);

  function drawSelection() {
    const n = state.selected.size;
    selectAll.checked = n > 0 && state.items.every((item) => state.selected.has(item.id));
    selectAll.indeterminate = n > 0 && !selectAll.checked;
    selectedCount.textContent = t("lib.selected", { n });
    addButton.disabled = n === 0;
    for (const box of grid.querySelectorAll("input[data-select]")) {
      box.checked = state.selected.has(box.dataset.select);
      box.closest("li").classList.toggle("selected", box.checked);
    }
  }

  // A click (or Space) selects or clears one card; with Shift, every card between the last one and this one.
  function onSelect(event, index) {
    const checked = event.target.checked;
    const from = event.shiftKey && state.anchor !== null ? Math.min(state.anchor, index) : index;
    const to = event.shiftKey && state.anchor !== null ? Math.max(state.anchor, index) : index;
    for (const item of state.items.slice(from, to + 1)) {
      if (checked) state.selected.add(item.id); else state.selected.delete(item.id);
    }
    state.anchor = index;
    drawSelection();
  }

  // The generated placeholder is drawn here from the letter and colour the API sends (its one rule,
  // api/library.py placeholder_cover), without downloading it; also shown when an image fails to load.
  function drawnCover(item, kind) {
    const el = h("div", { class: "cover drawn", role: "img", "aria-label": t("lib.coverOf", { title: item.title }),
      dataset: { cover: kind } }, h("span", { "aria-hidden": "true" }, item.placeholder.letter));
    el.style.backgroundColor = item.placeholder.color;  // CSSOM: allowed by the console's style-src 'self'
    return el;
  }

  async function cover(item) {
    if (item.cover === "placeholder") return drawnCover(item, "placeholder");
    try {
      const url = await blobUrl(item.coverUrl);
      objectUrls.push(url);
      return h("img", { class: "cover", src: url, alt: t("lib.coverOf", { title: item.title }), dataset: { cover: item.cover } });
    } catch {
      return drawnCover(item, "none");
    }
  }

  async function remove(item) {
    if (!(await confirmDialog(t("lib.confirmDelete", { title: item.title }), t("lib.delete"), t("no")))) return;
    try {
      await api.del(`/api/library/${item.id}`);
      state.selected.delete(item.id);
      banner(t("lib.deleted", { title: item.title }));
      load();
    } catch (err) { showError(main, err, error); }
  }

  async function card(item, index) {
    const box = h("input", { type: "checkbox", dataset: { select: item.id }, "aria-label": t("lib.select", { title: item.title }),
      onclick: (event) => onSelect(event, index),
      onkeydown: (event) => {  // Shift+Space: the browser's own Space toggle carries no Shift
        if (event.key !== " " || !event.shiftKey) return;
        event.preventDefault();
        box.checked = !box.checked;
        onSelect({ target: box, shiftKey: true }, index);
      } });
    const youtube = item.youtubeUrl && /^https:\/\//.test(item.youtubeUrl)
      ? h("a", { href: item.youtubeUrl, target: "_blank", rel: "noopener", "data-field": "youtube" }, t("lib.youtube")) : null;
    const latest = item.history[0];
    return h("li", { class: "card lib-card", dataset: { id: item.id, type: item.type, status: item.latestStatus || "none" } },
      h("div", { class: "lib-select" }, box), await cover(item),
      h("h2", {}, latest ? h("a", { href: `#/tasks/${latest.taskId}` }, item.title) : item.title),
      h("div", { class: "chips" },
        h("span", { class: "chip", "data-field": "type" }, t(`type.${item.type}`)),
        h("span", { class: "chip", "data-field": "status" }, item.latestStatus ? t(`status.${item.latestStatus}`) : t("lib.none")),
        item.files.length ? h("span", { class: "chip" }, t("lib.files", { n: item.files.length })) : null,
        item.history.length ? h("span", { class: "chip" }, t("lib.history", { n: item.history.length })) : null),
      h("div", { class: "row" }, youtube,
        h("button", { type: "button", class: "danger", "data-action": "delete", "aria-label": `${t("lib.delete")}: ${item.title}`,
          onclick: () => remove(item) }, t("lib.delete"))));
  }

  async function load() {
    const data = new FormData(filters);
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(state.offset) });
    for (const name of ["q", "type", "status"]) if (data.get(name)) params.set(name, data.get(name));
    const previous = objectUrls.splice(0);
    try {
      const page = await api.get(`/api/library?${params}`);
      state.items = page.items;
      state.total = page.total;
      const cards = await Promise.all(page.items.map(card));
      if (closed) return;
      for (const url of previous) URL.revokeObjectURL(url);
      grid.replaceChildren(...(cards.length ? cards : [h("li", { class: "muted" }, t("lib.empty"))]));
      const turn = (key, next) => h("button", { type: "button", onclick: () => { state.offset = next; load(); } }, t(key));
      pager.replaceChildren(h("span", { class: "muted", id: "library-total" }, t("lib.total", { n: page.total })),
        ...(state.offset > 0 ? [turn("lib.prev", Math.max(0, state.offset - PAGE))] : []),
        ...(state.offset + PAGE < page.total ? [turn("lib.next", state.offset + PAGE)] : []));
      error.textContent = "";
      drawSelection();
    } catch (err) {
      if (!closed) showError(filters, err, error);
    }
  }

  selectAll.addEventListener("change", () => {
    for (const item of state.items) {
      if (selectAll.checked) state.selected.add(item.id); else state.selected.delete(item.id);
    }
    drawSelection();
  });
  addButton.addEventListener("click", async () => {
    const ids = [...state.selected];
    addButton.disabled = true;
    try {
      const queue = await api.get("/api/queue");
      const result = await api.post(`/api/queue/${queue.id}/jobs`, { assetIds: ids });
      banner(t("lib.added", { n: result.createdIds.length }));
      state.selected.clear();
      await load();
      openDrawer();
    } catch (err) {
      showError(main, err, error);
      drawSelection();
    }
  });
  newButton.addEventListener("click", () => openNewVideo((item) => {
    banner(t("new.created", { title: item.title }));
    state.offset = 0;
    load();
  }));
  filters.addEventListener("submit", (event) => { event.preventDefault(); state.offset = 0; load(); });
  main.replaceChildren(h("h1", {}, t("lib.title")), filters, toolbar, h("p", { class: "muted" }, t("lib.hint")), error, pager, grid);
  load();
  return () => {
    closed = true;
    for (const url of objectUrls) URL.revokeObjectURL(url);
  };
}
