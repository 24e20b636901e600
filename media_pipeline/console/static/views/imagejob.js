// Image job page (seed 003 §3, §6): the paid images of a video's running generation (or its latest one), one
// card per image filled in live over the progress WebSocket (each event reads the job again; no polling):
// style and role, status, attempts and the image once made. "이번 이미지까지만 생성" stops after the image in
// progress; the refund shows once the job settles. A reload or a later visit finds the running job again.
import { api, blobUrl, wsUrl } from "../api.js";
import { confirmDialog, h } from "../dom.js";
import { addMessagePairs, t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import { creditsChanged } from "./credits.js";

addMessagePairs({
  "imagejob.title": ["이미지 생성", "Image generation"],
  "imagejob.open": ["이미지 생성 보기", "Image generation"],
  "imagejob.none": ["이 영상에는 유료 이미지 작업이 없습니다.", "This video has no paid image job."],
  "imagejob.back": ["작업으로 돌아가기", "Back to the task"],
  "imagejob.image": ["이미지 {n}", "Image {n}"],
  "imagejob.made": ["완료 {done}/{total}", "{done}/{total} made"],
  "imagejob.credits": ["예약 {reserved} · 사용 {consumed} · 환불 {refunded} 크레딧", "{reserved} held · {consumed} used · {refunded} refunded credits"],
  "imagejob.stop": ["이번 이미지까지만 생성", "Stop after this image"],
  "imagejob.confirmStop": ["지금 만드는 이미지까지만 만들고 멈출까요? 나머지 이미지의 크레딧은 환불됩니다.", "Finish the image in progress and stop? The other images' credits are refunded."],
  "imagejob.stopping": ["지금 만드는 이미지를 마치면 멈춥니다.", "Stops once the image in progress is done."],
  "imagejob.stopRequested": ["중지를 요청했습니다.", "Stop requested."],
  "imagejob.refunded": ["환불된 크레딧 {n}", "{n} credits refunded"],
  "imagejob.attempts": ["시도 {n}회", "{n} attempts"],
  "imagejob.role": ["역할 {role}", "role {role}"],
  "imagejob.style": ["스타일 {style}", "style {style}"],
  "imagejob.status.PENDING": ["대기", "waiting"],
  "imagejob.status.PROCESSING": ["생성 중", "generating"],
  "imagejob.status.COMPLETED": ["완료", "done"],
  "imagejob.status.FAILED": ["실패", "failed"],
  "imagejob.status.CANCELED": ["취소(환불)", "canceled (refunded)"],
});

const ACTIVE = ["PENDING", "PROCESSING"];
const MAX_QUIET_CLOSES = 5;

export function renderImageJob(main, taskId) {
  const base = `/api/v1/videos/${taskId}/image-jobs`;
  const images = new Map(); // `${jobId}/${index}` -> object URL, fetched once per made image
  let closed = false;
  let socket = null;
  let quietCloses = 0;
  let job = null;
  let reading = false;
  let again = false;
  const error = h("p", { class: "error", role: "alert", id: "imagejob-error" });
  const summary = h("section", { class: "card", id: "imagejob-summary" });
  const cards = h("ol", { class: "image-cards", id: "image-cards" });

  async function findJob() {
    if (job) return api.get(`${base}/${job.id}`);
    const active = await api.get(`${base}?status=PENDING,PROCESSING`);
    return active.items[0] || (await api.get(base)).items[0] || null;
  }

  async function stop() {
    if (!(await confirmDialog(t("imagejob.confirmStop"), t("yes"), t("no")))) return;
    try {
      await api.post(`${base}/${job.id}/stop-after-current-image`);
      banner(t("imagejob.stopRequested"));
      creditsChanged();
      load();
    } catch (err) {
      showError(main, err, error);
    }
  }

  function drawSummary() {
    const active = ACTIVE.includes(job.status);
    const settled = !active && job.creditsReserved === 0;
    summary.replaceChildren(...[
      h("p", {}, h("strong", { id: "imagejob-status" }, t(`imagejob.status.${job.status}`)), " · ",
        h("span", { id: "imagejob-made" }, t("imagejob.made", { done: job.completedImages, total: job.totalImages }))),
      h("progress", { max: job.totalImages, value: job.completedImages, "aria-label": t("imagejob.title") }),
      h("p", { id: "imagejob-credits" }, t("imagejob.credits", { reserved: job.creditsReserved,
        consumed: job.creditsConsumed, refunded: job.creditsRefunded })),
      settled && job.creditsRefunded ? h("p", { id: "imagejob-refund", class: "ok" }, t("imagejob.refunded", { n: job.creditsRefunded })) : null,
      active && job.stopRequested ? h("p", { id: "imagejob-stopping" }, t("imagejob.stopping")) : null,
      active && !job.stopRequested ? h("div", { class: "row" },
        h("button", { type: "button", class: "danger", id: "stop-after-image", onclick: stop }, t("imagejob.stop"))) : null,
    ].filter(Boolean));
  }

  async function imageOf(image) {
    const key = `${job.id}/${image.index}`;
    if (!images.has(key)) images.set(key, await blobUrl(image.url));
    return images.get(key);
  }

  async function card(image) {
    const n = image.index + 1;
    const made = image.status === "COMPLETED" && image.url;
    return h("li", { class: "image-card", "data-index": image.index, "data-status": image.status },
      h("h2", {}, t("imagejob.image", { n })),
      made ? h("img", { src: await imageOf(image), alt: t("imagejob.image", { n }) }) : h("div", { class: "placeholder" }),
      h("p", {}, h("span", { class: `badge status-${image.status.toLowerCase()}` }, t(`imagejob.status.${image.status}`))),
      h("p", { class: "muted" }, [t("imagejob.style", { style: image.style }), image.role ? t("imagejob.role", { role: image.role }) : ""]
        .filter(Boolean).join(" · ")),
      h("p", { class: "muted attempts" }, t("imagejob.attempts", { n: image.attempts })),
      image.error ? h("p", { class: "error" }, image.error) : null);
  }

  async function draw() {
    if (!job) {
      summary.replaceChildren(h("p", { class: "muted", id: "imagejob-none" }, t("imagejob.none")));
      cards.replaceChildren();
      return;
    }
    const drawn = await Promise.all(job.tasks.map(card));
    if (closed) return;
    drawSummary();
    cards.replaceChildren(...drawn);
  }

  function follow() {
    if (socket || closed || !job || !ACTIVE.includes(job.status) || quietCloses >= MAX_QUIET_CLOSES) return;
    socket = new WebSocket(wsUrl(`/ws/v1/videos/${taskId}/progress`));
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (!["snapshot", "status", "progress"].includes(event.type)) return;
      quietCloses = 0;
      creditsChanged();
      load();
    };
    socket.onclose = () => {
      socket = null;
      quietCloses += 1;
      if (!closed) { creditsChanged(); load(); }
    };
  }

  // Read the job again after each event; events during a read cause exactly one more read.
  async function load() {
    if (reading) { again = true; return; }
    reading = true;
    try {
      do {
        again = false;
        job = await findJob();
        if (closed) return;
        await draw();
      } while (again && !closed);
      error.textContent = "";
      follow();
    } catch (err) {
      if (!closed) showError(main, err, error);
    } finally {
      reading = false;
    }
  }

  main.replaceChildren(h("p", {}, h("a", { href: `#/tasks/${taskId}` }, t("imagejob.back"))),
    h("h1", {}, t("imagejob.title")), error, summary, cards);
  load();
  return () => {
    closed = true;
    if (socket) socket.close();
    for (const url of images.values()) URL.revokeObjectURL(url);
  };
}
