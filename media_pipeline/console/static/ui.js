// Shared page helpers: the status banner and API errors shown next to the field or action they concern.
import { t } from "./i18n.js";

export function banner(message) {
  document.getElementById("banner").textContent = message || "";
}

// Show ``error`` inside ``scope``: field errors in their [data-error-for] slot, the rest in ``fallback``.
export function showError(scope, error, fallback) {
  for (const slot of scope.querySelectorAll("[data-error-for]")) slot.textContent = "";
  if (fallback) fallback.textContent = "";
  const target = (name) => [...scope.querySelectorAll("[data-error-for]")]
    .find((slot) => slot.dataset.errorFor && (name === slot.dataset.errorFor || name.endsWith(`.${slot.dataset.errorFor}`)));
  if (error.code === "INSUFFICIENT_CREDITS" && fallback) { // a Run refused for lack of credits: its numbers
    fallback.textContent = t("credits.short", error.details);
    return;
  }
  let shown = false;
  for (const item of error.fieldErrors || []) {
    const slot = target(String(item.field || ""));
    if (slot) { slot.textContent = item.message; shown = true; }
  }
  if (!shown && fallback) {
    fallback.textContent = error.status === 0 ? t("err.network") : `${error.code}: ${error.message}`;
  }
}

export const STAGES = ["script", "images", "video", "thumbnail", "youtube_video"];
export const OPTION_CHOICES = {
  type: ["shortform", "longform", "product"],
  mediaMode: ["local", "upload", "crawl", "dalle3", "imagen3", "sora2", "stock"],
  language: ["ko", "en", "ja", "zh", "es", "fr", "de"],
  privacy: ["private", "unlisted", "public"],
  captionPreset: ["classic", "shorts"],
};
