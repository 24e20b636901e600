// The music library (docs/ARCHITECTURE.md §12): upload a licensed track with its title, mood tags and licence
// note (the browser checks what it can, the server's 422 names the rest), edit tags, play and delete tracks.
import { api, blobUrl } from "../api.js";
import { confirmDialog, field, h } from "../dom.js";
import { t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import "./music_i18n.js";

const MOOD = /^[a-z0-9][a-z0-9-]{0,29}$/;

// Mood tags typed as "Calm, up-beat": trimmed, lower-cased, blanks dropped.
export function parseMoods(text) {
  return text.split(",").map((mood) => mood.trim().toLowerCase()).filter(Boolean);
}

function badMood(moods) { return moods.find((mood) => !MOOD.test(mood)); }

function seconds(value) {
  const total = Math.round(value);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

export function renderMusic(main) {
  const rows = h("tbody", { id: "music-rows" });
  const error = h("p", { class: "error", role: "alert", id: "music-error" });
  const inputs = {
    file: h("input", { type: "file", name: "file", accept: "audio/mpeg,audio/aac,audio/mp4,audio/wav,.mp3,.aac,.m4a,.wav" }),
    title: h("input", { name: "title", maxlength: 100 }),
    moods: h("input", { name: "moods", maxlength: 400, placeholder: "calm, piano" }),
    licence: h("input", { name: "licence", maxlength: 500 }),
  };
  const form = h("form", { id: "music-upload", class: "card", novalidate: true },
    field(t("music.file"), inputs.file, "file"), field(t("music.name"), inputs.title, "title"),
    field(t("music.moods"), inputs.moods, "moods"), field(t("music.licence"), inputs.licence, "licence"),
    h("button", { type: "submit", class: "primary" }, t("music.upload")), error);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const slots = Object.fromEntries([...form.querySelectorAll("[data-error-for]")].map((s) => [s.dataset.errorFor, s]));
    Object.values(slots).forEach((slot) => { slot.textContent = ""; });
    error.textContent = "";
    const file = inputs.file.files[0];
    const moods = parseMoods(inputs.moods.value);
    const bad = badMood(moods);
    if (!file) slots.file.textContent = t("music.needFile");
    if (!inputs.title.value.trim()) slots.title.textContent = t("music.needTitle");
    if (bad) slots.moods.textContent = t("music.badMood", { mood: bad });
    if (!file || !inputs.title.value.trim() || bad) return;
    const body = new FormData();
    body.append("file", file);
    body.append("title", inputs.title.value.trim());
    body.append("moods", moods.join(","));
    body.append("licence", inputs.licence.value.trim());
    try {
      const track = await api.upload("/api/music", body);
      banner(t("music.uploaded", { name: track.title }));
      form.reset();
      load();
    } catch (err) {
      if (err.status === 413) slots.file.textContent = t("music.tooLarge");
      else showError(form, err, error);
    }
  });

  function row(track) {
    const slot = h("span", { class: "error", role: "alert" });
    const moods = h("input", { name: "moods", value: track.moods.join(", "), "aria-label": t("music.moods") });
    const player = h("audio", { controls: true, hidden: true, preload: "none" });
    const tr = h("tr", { dataset: { trackId: track.id } },
      h("td", { "data-label": t("music.name"), class: "track-title" }, track.title),
      h("td", { "data-label": t("music.moods") }, moods),
      h("td", { "data-label": t("music.duration") }, seconds(track.durationS)),
      h("td", { "data-label": t("music.licence"), class: "muted" }, track.licence),
      h("td", { class: "actions", "data-label": t("music.actions") },
        h("button", { type: "button", "data-action": "play", onclick: async () => {
          try {
            if (!player.src) player.src = await blobUrl(track.audioUrl);
            player.hidden = false;
            await player.play();
          } catch (err) { showError(tr, err, slot); }
        } }, t("music.play")),
        h("button", { type: "button", "data-action": "save", onclick: async () => {
          const list = parseMoods(moods.value);
          const bad = badMood(list);
          if (bad) { slot.textContent = t("music.badMood", { mood: bad }); return; }
          try {
            await api.patch(`/api/music/${track.id}`, { moods: list });
            banner(t("music.saved", { name: track.title }));
            load();
          } catch (err) { showError(tr, err, slot); }
        } }, t("music.save")),
        h("button", { type: "button", class: "danger", "data-action": "delete", onclick: async () => {
          if (!(await confirmDialog(t("music.confirmDelete", { name: track.title }), t("yes"), t("no")))) return;
          try {
            await api.del(`/api/music/${track.id}`);
            banner(t("music.deleted", { name: track.title }));
            load();
          } catch (err) { showError(tr, err, slot); }
        } }, t("music.delete")), player, slot));
    return tr;
  }

  async function load() {
    try {
      const list = await api.get("/api/music");
      rows.replaceChildren(...(list.items.length ? list.items.map(row)
        : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("music.empty")))]));
    } catch (err) { showError(main, err, error); }
  }

  main.replaceChildren(h("h1", {}, t("music.title")), h("p", { class: "muted" }, t("music.note")), form,
    h("table", { class: "responsive", id: "music-table" }, h("thead", {}, h("tr", {},
      ["music.name", "music.moods", "music.duration", "music.licence", "music.actions"].map((key) => h("th", { scope: "col" }, t(key))))),
    rows));
  load();
  return null;
}
