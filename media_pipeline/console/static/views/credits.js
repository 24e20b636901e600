// Credits (seed 003): the workspace balance in the header (refreshed whenever the console sees credits move:
// a Run, a stop, a progress event of an image job), the ledger page (newest first, filter by video), the
// estimate shown before a paid Run or rerun ("4 스타일 × 2 역할 = 8장 · 8 크레딧", seed 003 §6) and the
// messages of a Run refused for lack of credits (402 INSUFFICIENT_CREDITS: ui.js showError gives the numbers).
import { api, session } from "../api.js";
import { h, nextId } from "../dom.js";
import { addMessagePairs, fmtDate, t } from "../i18n.js";
import { showError } from "../ui.js";

addMessagePairs({
  "nav.credits": ["크레딧", "Credits"],
  "credits.title": ["크레딧", "Credits"],
  "credits.balance": ["크레딧 {balance}", "{balance} credits"],
  "credits.balanceHeld": ["크레딧 {balance} · 예약 {reserved}", "{balance} credits · {reserved} held"],
  "credits.balanceLabel": ["크레딧 잔액과 내역", "Credit balance and ledger"],
  "credits.short": ["크레딧이 부족합니다: 필요 {required}, 보유 {available}. 크레딧을 충전한 뒤 다시 실행하세요.", "Not enough credits: {required} needed, {available} available. Add credits and run again."],
  "credits.single": ["{styles} 스타일 × {roles} 역할 = {images}장 · {credits} 크레딧", "{styles} styles × {roles} roles = {images} images · {credits} credits"],
  "credits.batch": ["{images}장 ({styles} 스타일 × {roles} 역할 순환) · {credits} 크레딧", "{images} images (round-robin over {styles} styles × {roles} roles) · {credits} credits"],
  "credits.times": ["{n}개 × {line}", "{n} × {line}"],
  "credits.estimate": ["예상 비용", "Estimated cost"],
  "credits.retry": ["만들지 못한 이미지 {images}장 다시 예약 · {credits} 크레딧", "{images} images not made, reserved again · {credits} credits"],
  "credits.total": ["합계 {credits} 크레딧 · 현재 잔액 {balance}", "Total {credits} credits · balance {balance}"],
  "credits.notEnough": ["잔액이 {missing} 크레딧 부족합니다. 실행하면 거절됩니다.", "The balance is {missing} credits short; the Run will be refused."],
  "credits.ledger": ["크레딧 내역", "Credit ledger"],
  "credits.video": ["영상 ID", "Video ID"],
  "credits.filter": ["찾기", "Filter"],
  "credits.all": ["전체 보기", "Show all"],
  "credits.empty": ["내역이 없습니다.", "No entries."],
  "credits.kind": ["종류", "Kind"],
  "credits.amount": ["크레딧", "Credits"],
  "credits.after": ["잔액", "Balance"],
  "credits.image": ["이미지", "Image"],
  "credits.note": ["메모", "Note"],
  "credits.total.n": ["{n}건", "{n} entries"],
  "credits.kind.grant": ["충전", "grant"],
  "credits.kind.reserve": ["예약", "reserve"],
  "credits.kind.consume": ["사용", "consume"],
  "credits.kind.refund": ["환불", "refund"],
  "credits.imageN": ["#{n}", "#{n}"],
  "credits.prev": ["이전", "Previous"],
  "credits.next": ["다음", "Next"],
});

export const PAID_MODES = ["dalle3", "imagen3", "sora2"];
const CHANGED = "mp:credits";
const PAGE = 50;
const SIGN = { grant: "+", reserve: "−", refund: "+", consume: "" };

// Tell the header that credits may have moved (it reads the balance again).
export function creditsChanged() { document.dispatchEvent(new Event(CHANGED)); }

let balanceRead = 0;
async function readBalance(slot) {
  const mine = ++balanceRead;
  try {
    const balance = await api.get("/api/v1/credits");
    if (mine !== balanceRead) return;
    slot.textContent = balance.reserved ? t("credits.balanceHeld", balance) : t("credits.balance", balance);
  } catch {
    slot.textContent = "";
  }
}

// The header's balance link (signed in) or nothing (signed out).
export function headerBalance(signedIn) {
  let slot = document.getElementById("credit-balance");
  if (!signedIn) { slot?.remove(); return; }
  if (!slot) {
    slot = h("a", { id: "credit-balance", href: "#/credits", title: t("credits.balanceLabel"), "aria-live": "polite" });
    document.querySelector(".tools").prepend(slot);
  }
  slot.title = t("credits.balanceLabel");
  readBalance(slot);
}
document.addEventListener(CHANGED, () => headerBalance(Boolean(session())));

// The estimate request of a task's settings (its image plan: imageMode, imageCount, styles, roles).
function estimateBody(settings) {
  return { mode: settings.imageMode || "BATCH", mediaMode: settings.mediaMode, type: settings.type || "shortform",
    styles: settings.styles?.length ? settings.styles : ["sunset"], roles: settings.roles || [],
    totalImages: settings.imageCount || 5 };
}

// "4 스타일 × 2 역할 = 8장 · 8 크레딧" (SINGLE) or "5장 (3 스타일 × 2 역할 순환) · 5 크레딧" (BATCH).
export function estimateText(estimate) {
  return t(estimate.mode === "SINGLE" ? "credits.single" : "credits.batch", estimate);
}

// What Running tasks with ``settingsList`` would make and cost: [{line, credits}] (free sources: none).
export async function planCosts(settingsList) {
  const groups = new Map();
  for (const settings of settingsList.filter((s) => PAID_MODES.includes(s.mediaMode))) {
    const body = estimateBody(settings);
    const key = JSON.stringify(body);
    groups.set(key, { body, n: (groups.get(key)?.n || 0) + 1 });
  }
  const estimates = await Promise.all([...groups.values()].map((g) => api.post("/api/v1/credits/estimate", g.body)));
  return [...groups.values()].map((group, i) => {
    const line = estimateText(estimates[i]);
    return { line: group.n > 1 ? t("credits.times", { n: group.n, line }) : line, credits: estimates[i].credits * group.n };
  });
}

// What a retry pays: the latest image job's images that were refunded without being made are reserved again.
export async function retryCosts(taskId) {
  const [imageJob] = (await api.get(`/api/v1/videos/${encodeURIComponent(taskId)}/image-jobs`)).items;
  const images = imageJob ? imageJob.tasks.filter((image) => image.charge === "refunded").length : 0;
  const credits = images * (imageJob?.pricePerImage || 0);
  return images ? [{ line: t("credits.retry", { images, credits }), credits }] : [];
}

// Ask to confirm ``message`` (a Run, rerun or retry); when ``costs`` (a promise of [{line, credits}]) is not
// empty the dialog also shows what will be paid against the balance. Resolves true when confirmed.
export async function confirmWithCost(message, costs) {
  let lines = [];
  let balance = null;
  try {
    const [items, current] = await Promise.all([costs, api.get("/api/v1/credits")]);
    lines = items;
    balance = current.balance;
  } catch { lines = []; }
  const total = lines.reduce((sum, item) => sum + item.credits, 0);
  return new Promise((resolve) => {
    const titleId = nextId("confirm-title");
    const dialog = h("dialog", { id: "estimate-dialog", "aria-labelledby": titleId });
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    const cost = lines.length ? [
      h("h2", {}, t("credits.estimate")), h("ul", { id: "estimate-lines" }, lines.map((item) => h("li", {}, item.line))),
      h("p", { id: "estimate-total" }, t("credits.total", { credits: total, balance })),
      total > balance ? h("p", { class: "error", id: "estimate-short" }, t("credits.notEnough", { missing: total - balance })) : null,
    ].filter(Boolean) : [];
    dialog.append(h("p", { id: titleId }, message), ...cost, h("div", { class: "row" },
      h("button", { type: "button", class: "primary", "data-confirm": "yes", onclick: () => close(true) }, t("yes")),
      h("button", { type: "button", onclick: () => close(false) }, t("no"))));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

// The ledger page: newest first, filtered by video, paged.
export function renderCredits(main, videoId) {
  let closed = false;
  let offset = 0;
  let video = videoId || "";
  const error = h("p", { class: "error", role: "alert", id: "credits-error" });
  const summary = h("p", { id: "credits-summary" });
  const body = h("div", { id: "ledger" });
  const input = h("input", { name: "videoId", id: nextId("ledger-video"), value: video, maxlength: 64 });
  const form = h("form", { class: "row filters", id: "ledger-filter" },
    h("label", { for: input.id }, h("span", {}, t("credits.video")), " ", input),
    h("span", { class: "error", "data-error-for": "videoId" }),
    h("button", { type: "submit", class: "primary" }, t("credits.filter")),
    h("button", { type: "button", onclick: () => { input.value = ""; video = ""; offset = 0; load(); } }, t("credits.all")));
  form.addEventListener("submit", (event) => { event.preventDefault(); video = input.value.trim(); offset = 0; load(); });

  function row(entry) {
    const amount = `${SIGN[entry.kind] ?? ""}${entry.amount}`;
    const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
    return h("tr", { "data-kind": entry.kind },
      cell(t("col.time"), fmtDate(entry.createdAt)),
      cell(t("credits.kind"), t(`credits.kind.${entry.kind}`)),
      cell(t("credits.amount"), amount),
      cell(t("credits.after"), String(entry.balanceAfter)),
      cell(t("credits.video"), entry.taskId ? h("a", { href: `#/tasks/${entry.taskId}/images` }, entry.taskId) : ""),
      cell(t("credits.image"), entry.imageIndex === null ? "" : t("credits.imageN", { n: entry.imageIndex + 1 })),
      cell(t("credits.note"), entry.note || ""));
  }

  async function load() {
    try {
      const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
      if (video) query.set("videoId", video);
      const [page, balance] = await Promise.all([api.get(`/api/v1/credits/ledger?${query}`), api.get("/api/v1/credits")]);
      if (closed) return;
      summary.textContent = balance.reserved ? t("credits.balanceHeld", balance) : t("credits.balance", balance);
      const heads = ["col.time", "credits.kind", "credits.amount", "credits.after", "credits.video", "credits.image", "credits.note"];
      body.replaceChildren(page.items.length ? h("table", { class: "responsive", id: "ledger-table" },
        h("thead", {}, h("tr", {}, heads.map((key) => h("th", { scope: "col" }, t(key))))),
        h("tbody", {}, page.items.map(row))) : h("p", { class: "muted" }, t("credits.empty")),
      h("div", { class: "row", id: "ledger-pager" }, h("span", { class: "muted" }, t("credits.total.n", { n: page.total })),
        h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load(); } }, t("credits.prev")),
        h("button", { type: "button", disabled: offset + PAGE >= page.total, onclick: () => { offset += PAGE; load(); } }, t("credits.next"))));
      error.textContent = "";
    } catch (err) {
      if (!closed) showError(form, err, error);
    }
  }

  main.replaceChildren(h("h1", {}, t("credits.title")), h("section", { class: "card" }, summary, form, error),
    h("section", { class: "card" }, h("h2", {}, t("credits.ledger")), body));
  load();
  return () => { closed = true; };
}
