// A channel's brand kit (docs/ARCHITECTURE.md §9, "Brand kits"), opened from the channels page: upload the
// font, logo, intro and outro (checked by the server; its message is shown next to the file), choose the
// caption colours and preset, the logo's corner, width and opacity and the thumbnail layout, save, and play a
// 3-second preview rendered by the server with the unsaved settings.
import { api, blobUrl, request } from "../api.js";
import { field, h } from "../dom.js";
import { t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import "./brandkit_i18n.js";

const FILES = ["font", "logo", "intro", "outro"];
const ACCEPT = { font: ".ttf,.otf", logo: "image/png,image/jpeg", intro: "video/*", outro: "video/*" };
const COLOURS = ["textColour", "highlightColour", "outlineColour"];
const PRESETS = ["", "classic", "shorts"];
const CORNERS = ["top-left", "top-right", "bottom-left", "bottom-right"];
const LAYOUTS = ["band", "top", "bottom"];

function select(name, values, current, label) {
  return h("select", { name }, values.map((value) =>
    h("option", { value, selected: value === (current ?? "") }, t(`${label}.${value || "task"}`))));
}

function storedText(stored) {
  if (!stored) return t("brand.stored", { what: t("brand.none") });
  const what = stored.family || stored.imageFormat || (typeof stored.durationS === "number" ? `${stored.durationS} s` : "");
  return t("brand.stored", { what });
}

export async function renderBrandKit(panel, channel, onClose) {
  const path = `/api/channels/${channel.id}/brand-kit`;
  const error = h("p", { class: "error", role: "alert", id: "brand-error" });
  let kit;
  try { kit = await api.get(path); } catch (err) { showError(panel, err, error); panel.replaceChildren(error); return; }

  const form = h("form", { id: "brand-form", class: "grid" });
  const status = {};

  function fileRow(kind) {
    const input = h("input", { type: "file", name: kind, accept: ACCEPT[kind] });
    const slot = field(t(`brand.${kind}`), input, kind);
    status[kind] = h("span", { class: "muted", "data-stored": kind }, storedText(kit.files[kind]));
    input.addEventListener("change", async () => {
      const file = input.files[0];
      if (!file) return;
      const body = new FormData();
      body.append("file", file, file.name);
      const message = slot.querySelector("[data-error-for]");
      message.textContent = "";
      try {
        kit = await request("POST", `${path}/files/${kind}`, body);
        status[kind].textContent = storedText(kit.files[kind]);
        banner(t("brand.uploaded"));
      } catch (err) { message.textContent = err.message; }
      input.value = "";
    });
    return h("div", { class: "brand-file" }, slot, status[kind]);
  }

  const colourInputs = COLOURS.map((name) => field(t(`brand.${name}`),
    h("input", { type: "color", name, value: kit[name].toLowerCase() }), name));
  const placement = kit.logoPlacement;
  const controls = [
    field(t("brand.preset"), select("captionPreset", PRESETS, kit.captionPreset, "brand.preset"), "captionPreset"),
    field(t("brand.corner"), select("corner", CORNERS, placement.corner, "brand.corner"), "corner"),
    field(t("brand.widthPct"), h("input", { type: "number", name: "widthPct", min: 3, max: 40, step: 1, value: placement.widthPct }), "widthPct"),
    field(t("brand.opacity"), h("input", { type: "number", name: "opacity", min: 0.05, max: 1, step: 0.05, value: placement.opacity }), "opacity"),
    field(t("brand.layout"), select("thumbnailLayout", LAYOUTS, kit.thumbnailLayout, "brand.layout"), "thumbnailLayout"),
  ];

  // The form's settings as the API's BrandKit body (files are never sent: uploads change them).
  function settings() {
    const data = new FormData(form);
    return {
      ...Object.fromEntries(COLOURS.map((name) => [name, String(data.get(name)).toUpperCase()])),
      captionPreset: data.get("captionPreset") || null,
      logoPlacement: { corner: data.get("corner"), widthPct: Number(data.get("widthPct")), opacity: Number(data.get("opacity")) },
      thumbnailLayout: data.get("thumbnailLayout"),
    };
  }

  const player = h("video", { id: "brand-preview", controls: true, muted: true, playsinline: true, hidden: true });
  const previewButton = h("button", { type: "button", id: "brand-preview-button", onclick: async () => {
    previewButton.disabled = true;
    previewButton.textContent = t("brand.previewing");
    try {
      const url = await blobUrl(`${path}/preview`, { method: "POST", body: settings() });
      if (player.src) URL.revokeObjectURL(player.src);
      player.src = url;
      player.hidden = false;
      await player.play().catch(() => {});
    } catch (err) { showError(panel, err, error); }
    previewButton.disabled = false;
    previewButton.textContent = t("brand.preview");
  } }, t("brand.preview"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      kit = await request("PUT", path, settings());
      banner(t("brand.saved"));
    } catch (err) { showError(panel, err, error); }
  });
  form.replaceChildren(...FILES.map(fileRow), ...colourInputs, ...controls,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "brand-save" }, t("brand.save")),
      previewButton, h("button", { type: "button", onclick: onClose }, t("brand.close"))));
  panel.replaceChildren(h("h2", {}, t("brand.title", { name: channel.name })), h("p", { class: "muted" }, t("brand.note")),
    form, error, player);
}
