// Task page: live status and credits used, script scenes with approve/reject, scene images, HLS player, thumbnail,
// subtitles download, publish link, actions and the task's logs. Files are fetched with the bearer token.
import { api, blobUrl, wsUrl } from "../api.js";
import { confirmDialog, h } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import { hlsPlayer } from "../player.js";
import { TASK_COMMANDS, taskAction } from "./automation.js";
import { logViewer } from "./logs.js";
import { creditsChanged } from "./credits.js";

// One wire format: only the v1 API and its progress socket (docs/ARCHITECTURE.md §1).
export function renderTask(main, taskId) {
  const videoUrl = `/api/v1/videos/${taskId}`;
  const objectUrls = [];
  const players = [];
  let socket = null;
  let livePhase = null; // [status, step, generation] of the last live event that reloaded the page
  let closed = false;
  let rendered = null;
  let pending = null;
  const error = h("p", { class: "error", role: "alert", id: "task-error" });
  const status = h("div", { class: "card", id: "task-status" });
  const content = h("div", { id: "task-content" });

  async function fileUrl(url) {
    const made = await blobUrl(url);
    objectUrls.push(made);
    return made;
  }

  // Paid image sources: what this task's images cost so far (nothing is shown for free sources).
  function creditsLine(usage) {
    if (!usage || usage.consumed + usage.reserved === 0) return ""; // nothing (replaceChildren would print a null)
    const text = usage.reserved ? t("task.creditsHeld", { used: usage.consumed, held: usage.reserved })
      : t("task.credits", { used: usage.consumed });
    return h("p", {}, h("span", { id: "task-credits" }, text), " · ",
      h("a", { href: `#/tasks/${taskId}/images`, id: "task-image-job" }, t("imagejob.open")));
  }

  function statusCard(task, files, usage) {
    const slot = h("span", { class: "error", role: "alert" });
    const act = (kind) => h("button", { type: "button", "data-action": kind, class: kind === "stop" ? "danger" : "",
      onclick: async () => { if (await taskAction(kind, task.id, task.title, slot)) load(); } }, t(`act.${kind}`));
    // Which buttons: the server's `actions` of the task (never the status rules again here).
    const buttons = [];
    if (task.actions.review) buttons.push(h("a", { class: "button primary", id: "open-review", href: `#/review/${task.id}` }, t("act.review")));
    for (const kind of TASK_COMMANDS) if (task.actions[kind]) buttons.push(act(kind));
    status.replaceChildren(
      h("p", {}, h("strong", { id: "task-state" }, t(`status.${task.status}`)),
        task.step ? ` · ${t(`stage.${task.step}`)}` : "", files.generation ? ` · ${t("task.generation", { n: files.generation })}` : ""),
      h("progress", { max: 100, value: task.progress, id: "task-progress", "aria-label": t("col.progress") }),
      h("p", { id: "task-message" }, task.lastError || task.message || ""), creditsLine(usage),
      h("p", { class: "muted" }, `${t("col.updated")}: ${fmtDate(task.updatedAt)}`),
      h("div", { class: "row" }, ...buttons), slot);
  }

  async function scriptSection(files) {
    const section = h("section", { class: "card", id: "script" }, h("h2", {}, t("task.script")));
    const script = files.files.find((a) => a.kind === "script" && a.url);
    if (files.scriptAwaitingApproval) {
      const slot = h("span", { class: "error", role: "alert" });
      section.append(h("p", {}, t("task.awaiting")), h("div", { class: "row" },
        h("button", { type: "button", class: "primary", id: "approve", onclick: async () => {
          if (!(await confirmDialog(t("task.confirmApprove"), t("yes"), t("no")))) return;
          try { await api.post(`${videoUrl}/script/approve`); banner(t("task.approved")); load(); }
          catch (err) { showError(section, err, slot); }
        } }, t("task.approve")),
        h("button", { type: "button", class: "danger", id: "reject", onclick: async () => {
          if (!(await confirmDialog(t("task.confirmReject"), t("yes"), t("no")))) return;
          try { await api.post(`${videoUrl}/script/reject`); load(); }
          catch (err) { showError(section, err, slot); }
        } }, t("task.reject")), slot));
    }
    if (!script) { section.append(h("p", { class: "muted" }, t("task.noScript"))); return section; }
    const story = await api.get(script.url);
    section.append(h("h3", {}, story.title || ""), h("ol", { class: "stack-sm" },
      (story.scenes || []).map((scene) => h("li", {}, h("strong", {}, scene.caption || t("task.scene", { n: scene.index + 1 })),
        h("p", {}, scene.narration)))));
    return section;
  }

  async function mediaSection(assets) {
    const section = h("section", { class: "card", id: "media" });
    const images = assets.filter((a) => a.kind === "image" && a.url);
    if (images.length) {
      const grid = h("div", { class: "scenes" });
      for (const [index, image] of images.entries()) {
        grid.append(h("figure", { class: "scene" }, h("img", { src: await fileUrl(image.url), alt: t("task.scene", { n: index + 1 }) }),
          h("figcaption", {}, t("task.scene", { n: index + 1 }))));
      }
      section.append(h("h2", {}, t("task.images")), grid);
    }
    const video = assets.find((a) => a.kind === "video" && a.url);
    section.append(h("h2", {}, t("task.video")));
    if (video) {
      const player = hlsPlayer(taskId, { id: "player", label: t("task.video") });
      players.push(player);
      section.append(player.element);
    } else {
      section.append(h("p", { class: "muted" }, t("task.noVideo")));
    }
    const thumb = assets.find((a) => a.kind === "thumbnail" && a.url);
    if (thumb) section.append(h("h2", {}, t("task.thumbnail")), h("img", { class: "thumb", id: "thumbnail", src: await fileUrl(thumb.url), alt: t("task.thumbnail") }));
    const subtitles = assets.find((a) => a.kind === "subtitles" && a.url);
    if (subtitles) section.append(h("p", {}, h("a", { href: await fileUrl(subtitles.url), download: `${taskId}.srt`, id: "subtitles" }, t("task.subtitles"))));
    const publish = assets.find((a) => a.kind === "publish" && a.externalUrl);
    if (publish && publish.metadata?.uploaded_to_youtube && /^https:\/\//.test(publish.externalUrl)) {
      section.append(h("p", {}, h("a", { href: publish.externalUrl, target: "_blank", rel: "noopener", id: "youtube" }, t("task.youtube"))));
    } else if (publish) {
      section.append(h("p", { class: "muted", id: "publish-target" }, `${t("task.published")}: ${publish.externalUrl}`));
    }
    return section;
  }

  // Live events are frequent (a stage reports every second or two): the bar and message follow each event;
  // the task, its files and credits are fetched again only when the status, stage or generation changed,
  // at most once a second (docs/ARCHITECTURE.md §1, "One wire format per page").
  function scheduleLoad() {
    if (pending || closed) return;
    pending = setTimeout(() => { pending = null; load(); }, 1000);
  }

  function followLive(task) {
    if (socket || closed || !["queued", "running"].includes(task.status)) return;
    socket = new WebSocket(wsUrl(`/ws/v1/videos/${taskId}/progress`));
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (!["snapshot", "status", "progress"].includes(event.type)) return;
      document.getElementById("task-progress")?.setAttribute("value", String(event.progress));
      const msg = document.getElementById("task-message");
      if (msg) msg.textContent = event.lastError || event.message || "";
      const phase = JSON.stringify([event.status, event.step, event.generation]);
      if (phase !== livePhase) { livePhase = phase; scheduleLoad(); }
    };
    socket.onclose = () => { socket = null; };
  }

  async function load() {
    try {
      const task = await api.get(videoUrl);
      const files = await api.get(`${videoUrl}/files`);
      const usage = await api.get(`/api/v1/credits/usage?videoId=${encodeURIComponent(taskId)}`);
      if (usage.consumed + usage.reserved) creditsChanged(); // the header balance follows this paid task
      statusCard(task, files, usage);
      const signature = JSON.stringify([files.generation, files.scriptAwaitingApproval, files.files.map((a) => a.id)]);
      if (signature !== rendered) {
        const previous = objectUrls.splice(0);
        const previousPlayers = players.splice(0);
        const parts = [await scriptSection(files), await mediaSection(files.files)];
        if (closed) { for (const player of players) player.destroy(); return; }
        content.replaceChildren(...parts);
        rendered = signature;
        for (const url of previous) URL.revokeObjectURL(url);
        for (const player of previousPlayers) player.destroy();
      }
      error.textContent = "";
      livePhase = JSON.stringify([task.status, task.step ?? null, files.generation]);
      followLive(task);
    } catch (err) {
      if (!closed) showError(main, err, error);
    }
  }

  main.replaceChildren(h("p", {}, h("a", { href: "#/automation" }, t("task.back"))),
    h("h1", { id: "task-title" }, t("task.title")), error, status, content, logViewer(taskId));
  api.get(videoUrl).then((task) => { document.getElementById("task-title").textContent = task.title; }).catch(() => {});
  load();
  return () => {
    closed = true;
    clearTimeout(pending);
    if (socket) socket.close();
    for (const url of objectUrls) URL.revokeObjectURL(url);
    for (const player of players) player.destroy();
  };
}
