// The queue drawer (seed 000 §4): the draft queue in a right-side panel reachable from every page through a
// header button with the draft count. It shows the queue view (views/queue.js) with all its actions.
import { api, session } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { renderQueueDrawer } from "./queue.js";
import "./library_i18n.js";

const count = h("span", { class: "count", id: "drawer-count", "aria-hidden": "true" }, "0");
const toggleLabel = h("span", {}, t("drawer.title"));
const toggle = h("button", { type: "button", id: "drawer-toggle", "aria-expanded": "false", "aria-controls": "queue-drawer", hidden: true },
  toggleLabel, count);
const body = h("div", { class: "drawer-body" });
const closeButton = h("button", { type: "button", class: "drawer-close", onclick: () => closeDrawer() }, t("drawer.close"));
const panel = h("aside", { id: "queue-drawer", class: "drawer", hidden: true, "aria-labelledby": "drawer-title", tabindex: "-1" },
  h("div", { class: "row drawer-head" }, closeButton), body);
let drafts = 0;

function label() {
  toggle.setAttribute("aria-label", t("drawer.open", { n: drafts }));
  toggleLabel.textContent = t("drawer.title");
  closeButton.textContent = t("drawer.close");
  count.textContent = String(drafts);
}

async function refreshCount() {
  if (!session()) return;
  try {
    const queue = await api.get("/api/queue");
    drafts = (await api.get(`/api/queue/${queue.id}/jobs`)).jobs.length;
    label();
  } catch { /* the page shows its own errors; the badge keeps its last count */ }
}

// Open the drawer (on the queue page, go to the page's list instead: one queue view at a time).
export function openDrawer() {
  if (location.hash === "#/queue") { document.getElementById("drafts")?.focus(); return; }
  if (!panel.hidden) { refreshView(); return; }
  panel.hidden = false;
  toggle.setAttribute("aria-expanded", "true");
  refreshView();
  panel.focus();
}

function refreshView() { renderQueueDrawer(body); }

export function closeDrawer() {
  if (panel.hidden) return;
  panel.hidden = true;
  body.replaceChildren();
  toggle.setAttribute("aria-expanded", "false");
  toggle.focus();
}

// Show the toggle for a signed-in user (called with the page chrome on every route).
export function drawerChrome() {
  toggle.hidden = !session();
  if (toggle.hidden || location.hash === "#/queue") closeDrawer();
  label();
  refreshCount();
}

toggle.addEventListener("click", () => (panel.hidden ? openDrawer() : closeDrawer()));
panel.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !document.querySelector("dialog[open]")) { event.preventDefault(); closeDrawer(); }
});
window.addEventListener("queue-changed", (event) => { drafts = event.detail.count; label(); });
document.querySelector(".tools").prepend(toggle);
document.body.append(panel);
