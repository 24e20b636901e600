// "My contents" (seed 001 §13): every generation with its progress (script -> video -> published / failed),
// thumbnail, duration, YouTube link, script text, downloads, HLS playback, filters and delete (§13.6: files
// and records go, the task stays, a YouTube upload stays on YouTube). A published video also shows its views
// and average view percentage with a sparkline of the last days, and "more like this".
import { api, blobUrl } from "../api.js";
import { confirmDialog, h, nextId } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { hlsPlayer } from "../player.js";
import { banner, showError } from "../ui.js";
import { moreLikeThis, performanceLine } from "./performance.js";

const PAGE = 20;
const STEPS = ["script", "video", "published"];
const DOWNLOADS = { video: "mp4", subtitles: "srt", thumbnail: "jpg" };

// The furthest step an item reached, or "failed".
function stepOf(item) {
  if (item.status === "failed") return "failed";
  if (item.status === "published") return "published";
  return item.type;
}

function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

// A date input's value (local day) as an ISO instant: the start of that day, or of the next one for ``end``.
function dayStart(value, end) {
  if (!value) return null;
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year, month - 1, day + (end ? 1 : 0)).toISOString();
}

function progressSteps(item) {
  const step = stepOf(item);
  const reached = step === "failed" ? -1 : STEPS.indexOf(step);
  return h("ol", { class: "steps", "aria-label": t("contents.progress") },
    STEPS.map((name, index) => h("li", { class: index <= reached ? "done" : "" }, t(`contents.step.${name}`))),
    step === "failed" ? h("li", { class: "failed" }, t("contents.step.failed")) : null);
}

export function renderContents(main) {
  const objectUrls = [];
  const players = [];
  const charts = [];
  let performance = new Map();
  let closed = false;
  let offset = 0;
  const error = h("p", { class: "error", role: "alert", id: "contents-error" });
  const list = h("ul", { class: "contents", id: "contents-list" });
  const pager = h("div", { class: "row", id: "contents-pager" });
  const control = (tag, name, attrs, ...children) => h(tag, { name, id: nextId(name), ...attrs }, ...children);
  const form = h("form", { class: "row filters", id: "contents-filters", role: "search" },
    h("label", {}, t("contents.status"), control("select", "status", {},
      ["", "draft", "published", "failed"].map((v) => h("option", { value: v }, t(`contents.status.${v || "all"}`))))),
    h("label", {}, t("contents.type"), control("select", "type", {},
      ["", "script", "video"].map((v) => h("option", { value: v }, t(`contents.type.${v || "all"}`))))),
    h("label", {}, t("contents.q"), control("input", "q", { type: "search", maxlength: "100" })),
    h("label", {}, t("contents.since"), control("input", "since", { type: "date" })),
    h("label", {}, t("contents.until"), control("input", "until", { type: "date" })),
    h("button", { type: "submit", class: "primary" }, t("contents.filter")));

  async function fileUrl(path) {
    const made = await blobUrl(path);
    objectUrls.push(made);
    return made;
  }

  async function download(file, item, slot) {
    try {
      const link = h("a", { href: await fileUrl(file.url), download: `${item.taskId}-g${item.generation}.${DOWNLOADS[file.kind]}` });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (err) { showError(list, err, slot); }
  }

  async function scriptText(item, body) {
    const file = item.files.find((f) => f.kind === "script");
    if (!file) { body.replaceChildren(h("p", { class: "muted" }, t("task.noScript"))); return; }
    const story = await api.get(file.url);
    body.replaceChildren(h("ol", { class: "stack-sm" }, (story.scenes || []).map((scene) =>
      h("li", {}, h("strong", {}, scene.caption || t("task.scene", { n: scene.index + 1 })), h("p", {}, scene.narration)))));
  }

  async function remove(item, slot) {
    const warning = item.youtubeUrl ? t("contents.confirmDeleteYoutube", { title: item.title })
      : t("contents.confirmDelete", { title: item.title });
    if (!(await confirmDialog(warning, t("contents.delete"), t("no")))) return;
    try {
      const result = await api.del(`/api/contents/${encodeURIComponent(item.id)}`);
      banner(t(result.youtubeUrl ? "contents.deletedYoutube" : "contents.deleted",
        { title: item.title, files: result.deletedFiles }));
      load();
    } catch (err) { showError(list, err, slot); }
  }

  async function card(item) {
    const slot = h("p", { class: "error", role: "alert" });
    const thumb = item.files.find((f) => f.kind === "thumbnail");
    const video = item.files.find((f) => f.kind === "video");
    const script = h("div", {});
    const details = h("details", { class: "script" }, h("summary", {}, t("contents.script")), script);
    details.addEventListener("toggle", () => {
      if (details.open && !script.childElementCount) scriptText(item, script).catch((err) => showError(list, err, slot));
    });
    const playSlot = h("div", {});
    const buttons = [];
    if (video) {
      buttons.push(h("button", { type: "button", "data-action": "play", onclick: (event) => {
        event.currentTarget.disabled = true;
        const player = hlsPlayer(item.taskId, { id: `play-${item.id}`, label: t("contents.playTitle", { title: item.title }) });
        players.push(player);
        playSlot.replaceChildren(player.element);
      } }, t("contents.play")));
    }
    for (const file of item.files.filter((f) => DOWNLOADS[f.kind])) {
      buttons.push(h("button", { type: "button", "data-download": file.kind, onclick: () => download(file, item, slot) },
        t(`contents.download.${file.kind}`)));
    }
    const perf = item.status === "published" ? performance.get(item.id) : null;
    if (perf) {
      buttons.push(h("button", { type: "button", "data-action": "more-like-this", onclick: () => moreLikeThis(perf, list, slot) },
        t("perf.moreLikeThis")));
    }
    buttons.push(h("button", { type: "button", class: "danger", "data-action": "delete", onclick: () => remove(item, slot) },
      t("contents.delete")));
    return h("li", { class: "card content", dataset: { contentId: item.id, taskId: item.taskId, step: stepOf(item) } },
      thumb ? h("img", { class: "cover", src: await fileUrl(thumb.url), alt: t("contents.thumbOf", { title: item.title }) })
        : h("div", { class: "cover empty" }, t("contents.noThumb")),
      h("div", { class: "body" },
        h("h2", {}, h("a", { href: `#/tasks/${item.taskId}` }, item.title)),
        progressSteps(item),
        h("p", { class: "muted" }, [t("task.generation", { n: item.generation }), fmtDate(item.createdAt),
          item.durationS ? `${t("contents.duration")} ${fmtDuration(item.durationS)}` : ""].filter(Boolean).join(" · ")),
        item.error ? h("p", { class: "error", "data-field": "error" }, item.error) : null,
        item.youtubeUrl && /^https:\/\//.test(item.youtubeUrl)
          ? h("p", {}, h("a", { href: item.youtubeUrl, target: "_blank", rel: "noopener", "data-field": "youtube" }, t("task.youtube")))
          : null,
        perf ? performanceLine(perf, charts) : null,
        details, h("div", { class: "row" }, ...buttons), playSlot, slot));
  }

  async function load() {
    const data = new FormData(form);
    const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    for (const name of ["status", "type", "q"]) if (data.get(name)) params.set(name, data.get(name));
    const since = dayStart(data.get("since"), false);
    const until = dayStart(data.get("until"), true);
    if (since) params.set("since", since);
    if (until) params.set("until", until);
    const previous = objectUrls.splice(0);
    try {
      const [page, summary] = await Promise.all([api.get(`/api/contents?${params}`),
        api.get("/api/performance/summary?days=28")]);
      performance = new Map(summary.videos.map((video) => [video.contentId, video]));
      const previousCharts = charts.splice(0);
      const cards = await Promise.all(page.items.map(card));
      if (closed) return;
      for (const chart of previousCharts) chart.destroy();
      for (const player of players.splice(0)) player.destroy();
      for (const url of previous) URL.revokeObjectURL(url);
      list.replaceChildren(...(cards.length ? cards : [h("li", { class: "muted" }, t("contents.empty"))]));
      const turn = (key, next) => h("button", { type: "button", onclick: () => { offset = next; load(); } }, t(key));
      pager.replaceChildren(h("span", { class: "muted", id: "contents-total" }, t("contents.total", { n: page.total })),
        ...(offset > 0 ? [turn("contents.prev", Math.max(0, offset - PAGE))] : []),
        ...(offset + PAGE < page.total ? [turn("contents.next", offset + PAGE)] : []));
      error.textContent = "";
    } catch (err) {
      if (!closed) showError(form, err, error);
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); offset = 0; load(); });
  main.replaceChildren(h("h1", {}, t("contents.title")),
    h("p", { class: "muted" }, t("contents.note")), form, error, pager, list);
  load();
  return () => {
    closed = true;
    for (const player of players) player.destroy();
    for (const chart of charts) chart.destroy();
    for (const url of objectUrls) URL.revokeObjectURL(url);
  };
}
