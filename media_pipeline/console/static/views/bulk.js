// Bulk settings of the queue (seed 000 §4): every task setting the API accepts, each checked in the browser
// first; the server's 422 messages are shown next to their fields. Fields left empty stay unchanged.
import { api } from "../api.js";
import { field, h, nextId, select } from "../dom.js";
import { t } from "../i18n.js";
import { OPTION_CHOICES } from "../ui.js";
import "./library_i18n.js";
import "./music_i18n.js";

const STYLES = ["sunset", "ocean", "forest", "neon", "mono", "pastel"];
const NUMBERS = { imageCount: [1, 30], targetDurationS: [5, 600] };
const HTTP_URL = /^https?:\/\/[^\s/]+/i;

// Lines of a textarea, trimmed, blank ones dropped.
export function lines(value) { return value.split("\n").map((line) => line.trim()).filter(Boolean); }

// True for an absolute http(s) URL.
export function isHttpUrl(value) {
  if (!HTTP_URL.test(value)) return false;
  try { return ["http:", "https:"].includes(new URL(value).protocol); } catch { return false; }
}

// Show the server's field errors in the form's slots (by the field's first path segment; one message once, as
// every selected draft reports it); the rest in ``fallback``.
export function showFieldErrors(form, err, fallback) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = "";
  const rest = [];
  for (const item of err.fieldErrors || []) {
    const name = String(item.field || "").replace(/^(body|options|optionsPartial)\./, "").split(".")[0];
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot && !slot.textContent.includes(item.message)) slot.textContent = [slot.textContent, item.message].filter(Boolean).join(" ");
    else if (!slot && !rest.includes(item.message)) rest.push(item.message);
  }
  fallback.textContent = err.status === 0 ? t("err.network") : [`${err.code}: ${err.message}`, ...rest].join(" · ");
}

function choice(name, values, labels = (v) => v) {
  return select(name, [["", t("bulk.unchanged")], ...values.map((v) => [v, labels(v)])], "");
}

function yesNo(name) { return choice(name, ["true", "false"], (v) => t(v === "true" ? "yes" : "no")); }

// The dialog's controls by option name.
function controls(channels, tracks) {
  const moods = [...new Set(tracks.flatMap((track) => track.moods))].sort();
  return {
    type: choice("type", OPTION_CHOICES.type),
    mediaMode: choice("mediaMode", OPTION_CHOICES.mediaMode),
    imageCount: h("input", { name: "imageCount", type: "number", min: 1, max: 30, step: 1, inputmode: "numeric" }),
    targetDurationS: h("input", { name: "targetDurationS", type: "number", min: 5, max: 600, step: 1, inputmode: "numeric" }),
    language: choice("language", OPTION_CHOICES.language),
    voice: h("input", { name: "voice", maxlength: 80 }),
    music: yesNo("music"),
    clipAudio: yesNo("clipAudio"),
    musicMood: choice("musicMood", moods),
    musicTrackId: choice("musicTrackId", tracks.map((track) => track.id), (id) => tracks.find((track) => track.id === id).title),
    privacy: choice("privacy", OPTION_CHOICES.privacy),
    publishAt: h("input", { name: "publishAt", type: "datetime-local" }),
    channelSettingId: choice("channelSettingId", channels.map((c) => c.id), (id) => channels.find((c) => c.id === id).name),
    requiresApproval: yesNo("requiresApproval"),
    captionPreset: choice("captionPreset", OPTION_CHOICES.captionPreset, (v) => t(`caption.${v}`)),
    madeForKids: yesNo("madeForKids"),
    imageUrls: h("textarea", { name: "imageUrls", rows: 2 }),
  };
}

// The options partial of the form, or null after marking the fields that are invalid.
function readPartial(form, inputs, styleBoxes, product) {
  const errors = {};
  const partial = {};
  for (const [key, control] of Object.entries(inputs)) {
    const value = control.value.trim();
    if (value === "") continue;
    if (NUMBERS[key]) {
      const [min, max] = NUMBERS[key];
      const number = Number(value);
      if (!Number.isInteger(number) || number < min || number > max) errors[key] = t("bulk.badNumber", { min, max });
      else partial[key] = number;
    } else if (["music", "clipAudio", "requiresApproval", "madeForKids"].includes(key)) partial[key] = value === "true";
    else if (key === "publishAt") partial[key] = new Date(value).toISOString();
    else if (key === "imageUrls") {
      const urls = lines(value);
      const bad = urls.find((url) => !isHttpUrl(url));
      if (bad) errors[key] = t("bulk.badUrl", { url: bad }); else partial[key] = urls;
    } else partial[key] = value;
  }
  const styles = styleBoxes.filter((box) => box.checked).map((box) => box.value);
  if (styles.length) partial.styles = styles;
  const name = product.name.value.trim();
  if (name) {
    const price = product.price.value.trim();
    const url = product.url.value.trim();
    if (price && !/^[0-9]+(\.[0-9]{1,2})?$/.test(price)) errors.product = t("new.badPrice");
    else if (url && !isHttpUrl(url)) errors.product = t("bulk.badUrl", { url });
    else partial.product = { name, price, features: lines(product.features.value), url: url || null };
  }
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = errors[slot.dataset.errorFor] || "";
  return Object.keys(errors).length ? null : partial;
}

// Opens the dialog for ``ids``; ``apply(partial, saveAsDefault)`` sends it (throws ApiError), ``onConflict``
// handles a 409 (the dialog closes).
export async function openBulkDialog(ids, { apply, onConflict }) {
  const [channels, tracks] = await Promise.all(["/api/channels", "/api/music"].map((path) =>
    api.get(path).then((body) => body.items).catch(() => [])));
  const inputs = controls(channels, tracks);
  const styleBoxes = STYLES.map((style) => h("input", { type: "checkbox", name: "styles", value: style }));
  const product = {
    name: h("input", { name: "productName", maxlength: 200 }), price: h("input", { name: "productPrice", inputmode: "decimal", maxlength: 20 }),
    features: h("textarea", { name: "productFeatures", rows: 2 }), url: h("input", { name: "productUrl", type: "url", maxlength: 500 }),
  };
  const saveDefault = h("input", { type: "checkbox", name: "saveAsDefault", id: nextId("save-default") });
  const error = h("p", { class: "error", role: "alert", id: "bulk-error" });
  const dialog = h("dialog", { id: "bulk-dialog", "aria-labelledby": "bulk-title", class: "wide" });
  const close = () => { dialog.close(); dialog.remove(); };
  const form = h("form", { method: "dialog", novalidate: true },
    h("h2", { id: "bulk-title" }, t("bulk.title", { n: ids.length })),
    h("div", { class: "bulk-grid" }, ...Object.entries(inputs).map(([key, control]) => field(t(`opt.${key}`), control, key))),
    h("fieldset", {}, h("legend", {}, t("opt.styles")),
      h("div", { class: "row" }, styleBoxes.map((box) => h("label", { class: "inline" }, box, box.value))),
      h("span", { class: "error", role: "alert", "data-error-for": "styles" })),
    h("fieldset", {}, h("legend", {}, t("opt.product")),
      h("div", { class: "bulk-grid" }, field(t("opt.productName"), product.name, "productName"),
        field(t("opt.productPrice"), product.price, "productPrice"), field(t("opt.productFeatures"), product.features, "productFeatures"),
        field(t("opt.productUrl"), product.url, "productUrl")),
      h("span", { class: "error", role: "alert", "data-error-for": "product" })),
    h("label", { class: "inline" }, saveDefault, t("bulk.saveDefault")), error,
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary", value: "apply" }, t("bulk.apply")),
      h("button", { type: "button", onclick: close }, t("bulk.cancel"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const partial = readPartial(form, inputs, styleBoxes, product);
    if (!partial) return;
    try {
      await apply(partial, saveDefault.checked);
      close();
    } catch (err) {
      if (err.status === 409) { close(); await onConflict(); } else showFieldErrors(form, err, error);
    }
  });
  dialog.append(form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
