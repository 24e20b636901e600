// Review page (docs/ARCHITECTURE.md §4, reviews): a storyboard review shows each scene's narration line next
// to its image, with a line edit, a paid one-image regeneration, an upload to replace the image and the
// scene's media choice (still or clip, stock keywords), then
// approval (the video renders only after it); a final review plays the rendered video with approve/reject
// (reject: nothing is published). Decisions list who approved or rejected and when.
import { api, blobUrl } from "../api.js";
import { confirmDialog, h } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import { hlsPlayer } from "../player.js";

export function renderReview(main, taskId) {
  const base = `/api/v1/videos/${encodeURIComponent(taskId)}/review`;
  const objectUrls = [];
  const players = [];
  let closed = false;
  const error = h("p", { class: "error", role: "alert", id: "review-error" });
  const content = h("div", { id: "review-content" });

  // Run ``action`` with the page's buttons disabled; errors go to ``slot`` (field errors to their field).
  async function busy(scope, slot, action) {
    const buttons = [...content.querySelectorAll("button, input[type=file]")];
    for (const button of buttons) button.disabled = true;
    content.setAttribute("aria-busy", "true");
    try {
      await action();
      return true;
    } catch (err) {
      showError(scope, err, slot);
      return false;
    } finally {
      content.removeAttribute("aria-busy");
      for (const button of buttons) button.disabled = false;
    }
  }

  function decisions(review) {
    if (!review.reviews.length) return null;
    return h("section", { class: "card" }, h("h2", {}, t("review.decisions")),
      h("ul", { id: "review-decisions" }, review.reviews.map((item) => h("li", { dataset: { kind: item.kind, status: item.status } },
        `${t(`review.kind.${item.kind}`)}: ${t(`review.status.${item.status}`)}`,
        item.decidedBy ? ` · ${t("review.by", { user: item.decidedByName || item.decidedBy, when: fmtDate(item.decidedAt) })}` : ""))));
  }

  async function sceneCard(scene) {
    const n = scene.index + 1;
    const slot = h("span", { class: "error", role: "alert" });
    const image = h("img", { src: await fileUrl(scene.imageUrl), alt: t("review.image", { n }), "data-field": "image" });
    const text = h("textarea", { id: `narration-${scene.index}`, name: "text", rows: 4, maxlength: 6000 });
    text.value = scene.narration;
    const file = h("input", { type: "file", id: `upload-${scene.index}`, accept: "image/png,image/jpeg,image/gif,image/webp" });
    const card = h("li", { class: "scene card", dataset: { scene: String(scene.index) } },
      h("h3", {}, t("task.scene", { n })), image,
      h("label", { for: text.id }, t("review.line", { n })), text,
      h("span", { class: "error", role: "alert", "data-error-for": "text" }),
      h("div", { class: "row" },
        h("button", { type: "button", "data-action": "save-line", onclick: () => busy(card, slot, async () => {
          await api.put(`${base}/scenes/${scene.index}/narration`, { text: text.value });
          await load(); // the page shows the result before it says so
          banner(t("review.lineSaved", { n }));
        }) }, t("review.saveLine")),
        h("button", { type: "button", "data-action": "regenerate", onclick: async () => {
          if (!(await confirmDialog(t("review.confirmRegenerate", { n }), t("yes"), t("no")))) return;
          await busy(card, slot, async () => {
            const result = await api.post(`${base}/scenes/${scene.index}/regenerate`);
            if (result.edit.status !== "done") throw new Error(result.edit.error || "failed");
            await load();
            banner(t("review.regenerated", { n }));
          });
        } }, t("review.regenerate"))),
      h("label", { for: file.id }, t("review.upload", { n })), file, mediaChoice(scene, () => card, slot), slot);
    file.addEventListener("change", () => {
      if (!file.files.length) return;
      const form = new FormData();
      form.append("file", file.files[0]);
      busy(card, slot, async () => {
        await api.upload(`${base}/scenes/${scene.index}/image`, form);
        await load();
        banner(t("review.replaced", { n }));
      });
    });
    return card;
  }

  // What the scene shows (docs/ARCHITECTURE.md §8, "Clips as scene media"): its still or its clip, and the
  // words a stock clip is searched by.
  function mediaChoice(scene, card, slot) {
    const n = scene.index + 1;
    const media = h("select", { id: `media-${scene.index}`, name: "media" },
      ["clip", "still"].map((value) => h("option", { value, selected: scene.media === value }, t(`review.media.${value}`))));
    const words = h("input", { id: `keywords-${scene.index}`, name: "keywords", value: scene.keywords.join(", "), maxlength: 400 });
    return h("div", { class: "scene-media" },
      h("label", { for: media.id }, t("review.media", { n })), media,
      h("label", { for: words.id }, t("review.keywords")), words,
      h("span", { class: "error", role: "alert", "data-error-for": "keywords" }),
      h("button", { type: "button", "data-action": "save-media", onclick: () => busy(card(), slot, async () => {
        const keywords = words.value.split(",").map((word) => word.trim()).filter(Boolean);
        await api.put(`${base}/scenes/${scene.index}/media`, { media: media.value, keywords });
        await load();
        banner(t("review.mediaSaved", { n }));
      }) }, t("review.saveMedia")));
  }

  async function fileUrl(url) {
    const made = await blobUrl(url);
    objectUrls.push(made);
    return made;
  }

  function decide(kind, verdict) {
    const slot = h("span", { class: "error", role: "alert" });
    const button = h("button", { type: "button", id: `${verdict}-${kind}`, class: verdict === "approve" ? "primary" : "danger",
      onclick: async () => {
        if (!(await confirmDialog(t(`review.confirm.${verdict}.${kind}`), t("yes"), t("no")))) return;
        await busy(content, slot, async () => {
          await api.post(`${base}/${kind}/${verdict}`);
          await load();
          banner(t(`review.done.${verdict}`));
        });
      } }, t(`review.${verdict}.${kind}`));
    return [button, slot];
  }

  // Loads overlap (each action reloads; scene images are fetched one by one): only the newest may draw, or
  // an older board fetched before a save would replace the saved one.
  async function draw(board, mine) {
    const current = () => !closed && mine === latest;
    const parts = [h("p", { id: "review-state" }, board.waiting ? t(`review.waiting.${board.waiting}`)
      : t("review.notWaiting", { status: t(`status.${board.status}`) }))];
    if (board.waiting === "storyboard") {
      const cards = [];
      for (const scene of board.scenes) cards.push(await sceneCard(scene));
      if (!current()) return;
      parts.push(h("p", { class: "muted" }, t("review.storyboardNote")), h("ol", { class: "scenes", id: "scenes" }, cards),
        h("div", { class: "row" }, ...decide("storyboard", "approve")));
    } else if (board.waiting === "final" && current()) {
      const player = hlsPlayer(taskId, { id: "review-player", label: t("review.video") });
      players.push(player);
      parts.push(player.element, h("div", { class: "row" }, ...decide("final", "approve"), ...decide("final", "reject")));
    }
    parts.push(decisions(board), h("p", {}, h("a", { href: `#/tasks/${taskId}` }, t("review.openTask"))));
    if (current()) content.replaceChildren(...parts.filter(Boolean));
  }

  function release() {
    for (const player of players.splice(0)) player.destroy();
    for (const made of objectUrls.splice(0)) URL.revokeObjectURL(made);
  }

  let latest = 0; // the newest load
  async function load() {
    const mine = ++latest;
    try {
      const board = await api.get(base);
      if (closed || mine !== latest) return;
      document.getElementById("review-title").textContent = t("review.title", { title: board.title });
      const previous = objectUrls.splice(0);
      for (const player of players.splice(0)) player.destroy();
      await draw(board, mine);
      for (const made of previous) URL.revokeObjectURL(made);
      error.textContent = "";
    } catch (err) {
      if (!closed) showError(main, err, error);
    }
  }

  main.replaceChildren(h("section", {}, h("h1", { id: "review-title" }, t("review.heading")), error, content));
  load();
  return () => { closed = true; release(); };
}
