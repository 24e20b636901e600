// HLS player of a rendered video: GET /api/v1/videos/{id}/playback gives a signed master playlist URL
// (docs/ARCHITECTURE.md §7); hls.js plays it through Media Source Extensions, fetching only the segments
// it needs (seeking never downloads the whole file). The quality menu lists the ladder's renditions.
import Hls from "./vendor/hls.mjs";
import { api } from "./api.js";
import { h, nextId } from "./dom.js";
import { t } from "./i18n.js";

// A <figure> with the video and its quality menu; ``destroy()`` stops loading. ``id`` names the <video>.
export function hlsPlayer(videoId, { id, label }) {
  const video = h("video", { id, controls: true, preload: "metadata", playsinline: true, "aria-label": label });
  const quality = h("select", { id: nextId("quality"), disabled: true, dataset: { role: "quality" } },
    h("option", { value: "-1" }, t("player.auto")));
  const note = h("p", { class: "error", role: "alert" });
  const figure = h("figure", { class: "player" }, video,
    h("figcaption", { class: "row" }, h("label", { class: "inline" }, t("player.quality"), quality), note));
  let hls = null;
  let closed = false;
  let chosen = -1; // the viewer's rendition (-1: automatic)
  let redraw = false; // seek once the chosen rendition's first fragment is buffered

  // Renditions are named by their short side, as the ladder names them (480p, 720p, ...).
  function levels() {
    quality.replaceChildren(h("option", { value: "-1" }, t("player.auto")),
      ...hls.levels.map((level, index) => h("option", { value: String(index) }, `${Math.min(level.width, level.height)}p`)));
    quality.disabled = hls.levels.length < 2;
  }

  async function start() {
    try {
      const { masterUrl } = await api.get(`/api/v1/videos/${encodeURIComponent(videoId)}/playback`);
      if (closed) return;
      if (Hls.isSupported()) {
        hls = new Hls({ enableWorker: false, capLevelToPlayerSize: false });
        hls.on(Hls.Events.MANIFEST_PARSED, levels);
        // A switch flushes the buffer and refills it from the new rendition, but the element keeps showing
        // the old picture (paused, or before a refill that starts after the current time); a seek in place
        // redraws from the new rendition.
        hls.on(Hls.Events.FRAG_BUFFERED, (_, { frag }) => {
          if (!redraw || frag.type !== "main" || frag.level !== chosen) return;
          redraw = false;
          const first = video.buffered.length ? video.buffered.start(0) : 0;
          video.currentTime = Math.max(video.currentTime, first);
        });
        hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) note.textContent = t("player.error", { detail: data.details }); });
        hls.loadSource(masterUrl);
        hls.attachMedia(video);
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = masterUrl;  // Safari: native HLS (its own quality choice)
      } else {
        note.textContent = t("player.unsupported");
      }
    } catch (err) {
      if (!closed) note.textContent = err.status === 404 ? t("player.noLadder") : `${err.code}: ${err.message}`;
    }
  }

  quality.addEventListener("change", () => {
    chosen = Number(quality.value);
    if (!hls) return;
    redraw = chosen !== -1;
    hls.currentLevel = chosen;
  });
  start();
  return {
    element: figure,
    video,
    destroy() {
      closed = true;
      if (hls) hls.destroy();
    },
  };
}
