// "New video" dialog of the library (seed 000 §1): title/topic, type, product fields, source URLs and images or
// clips added by drag and drop (or the file picker) with previews. Checked in the browser first; the item is
// created, then its files uploaded in one request; if the upload is refused the item is removed again, so
// nothing is half-created, and the server's message is shown.
import { ApiError, api, session } from "../api.js";
import { field, h, nextId, select } from "../dom.js";
import { t } from "../i18n.js";
import { OPTION_CHOICES } from "../ui.js";
import { isHttpUrl, lines, showFieldErrors } from "./bulk.js";
import "./library_i18n.js";

const ACCEPT = "image/jpeg,image/png,image/gif,image/webp,video/mp4,video/quicktime,video/webm";

// POST multipart ``files`` to ``path`` with the session's token; the body, or throws ApiError.
async function postFiles(path, files) {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  let response;
  try {
    response = await fetch(path, { method: "POST", body: form,
      headers: { Accept: "application/json", Authorization: `Bearer ${session()?.token || ""}` } });
  } catch {
    throw new ApiError(0, { code: "NETWORK", message: "network error" });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Opens the dialog; ``onCreated(item)`` runs after the item and its files were stored.
export function openNewVideo(onCreated) {
  const files = [];
  const previews = [];
  const inputs = {
    title: h("input", { name: "title", maxlength: 100, required: true }),
    type: select("type", OPTION_CHOICES.type.map((v) => [v, t(`type.${v}`)]), "shortform"),
    productName: h("input", { name: "productName", maxlength: 200 }),
    price: h("input", { name: "price", inputmode: "decimal", maxlength: 20 }),
    features: h("textarea", { name: "features", rows: 2 }),
    link: h("input", { name: "link", type: "url", maxlength: 500 }),
    sourceUrls: h("textarea", { name: "sourceUrls", rows: 3 }),
  };
  const productBox = h("fieldset", { id: "new-product", hidden: true }, h("legend", {}, t("type.product")),
    field(t("new.productName"), inputs.productName, "name"), field(t("new.price"), inputs.price, "price"),
    field(t("new.features"), inputs.features, "features"), field(t("new.link"), inputs.link, "link"));
  inputs.type.addEventListener("change", () => { productBox.hidden = inputs.type.value !== "product"; });
  const picker = h("input", { type: "file", multiple: true, accept: ACCEPT, id: nextId("files"), class: "sr-only" });
  const list = h("ul", { class: "previews", id: "new-previews" });
  const filesError = h("span", { class: "error", role: "alert", "data-error-for": "files" });
  const drop = h("div", { class: "dropzone", id: "new-drop" }, h("p", {}, t("new.drop")),
    h("label", { class: "button", for: picker.id }, t("new.choose")), picker);

  function drawPreviews() {
    for (const url of previews.splice(0)) URL.revokeObjectURL(url);
    list.replaceChildren(...files.map((file, index) => {
      let thumb = h("span", { class: "clip" }, "🎞");
      if (file.type.startsWith("image/")) {
        const url = URL.createObjectURL(file);
        previews.push(url);
        thumb = h("img", { src: url, alt: t("new.preview", { name: file.name }) });
      }
      return h("li", {}, thumb, h("span", { class: "name" }, file.name),
        h("button", { type: "button", "aria-label": t("new.remove", { name: file.name }),
          onclick: () => { files.splice(index, 1); drawPreviews(); } }, "×"));
    }));
  }

  function addFiles(chosen) {
    const problems = [];
    for (const file of chosen) {
      if (!file.size) problems.push(t("new.emptyFile", { name: file.name }));
      else if (file.type && !ACCEPT.split(",").includes(file.type)) problems.push(t("new.badFile", { name: file.name }));
      else files.push(file);
    }
    filesError.textContent = problems.join(" ");
    drawPreviews();
  }

  picker.addEventListener("change", () => { addFiles([...picker.files]); picker.value = ""; });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => { event.preventDefault(); drop.classList.remove("over"); addFiles([...event.dataTransfer.files]); });

  const error = h("p", { class: "error", role: "alert", id: "new-error" });
  const dialog = h("dialog", { id: "new-dialog", "aria-labelledby": "new-title", class: "wide" });
  const close = () => { for (const url of previews) URL.revokeObjectURL(url); dialog.close(); dialog.remove(); };
  const form = h("form", { method: "dialog", novalidate: true },
    h("h2", { id: "new-title" }, t("new.title")),
    field(t("new.name"), inputs.title, "title"), field(t("new.type"), inputs.type, "type"), productBox,
    field(t("new.urls"), inputs.sourceUrls, "sourceUrls"),
    h("div", { class: "stack-sm" }, h("span", {}, t("new.files")), drop, list, filesError), error,
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("new.create")),
      h("button", { type: "button", onclick: close }, t("new.cancel"))));

  // The item body, or null after marking the invalid fields.
  function read() {
    const errors = {};
    const body = { title: inputs.title.value.trim(), type: inputs.type.value, sourceUrls: lines(inputs.sourceUrls.value) };
    if (!body.title) errors.title = t("new.required");
    const badUrl = body.sourceUrls.find((url) => !isHttpUrl(url));
    if (badUrl) errors.sourceUrls = t("new.badUrl", { url: badUrl });
    if (body.type === "product") {
      const price = inputs.price.value.trim();
      const link = inputs.link.value.trim();
      if (!inputs.productName.value.trim()) errors.name = t("new.required");
      if (price && !/^[0-9]+(\.[0-9]{1,2})?$/.test(price)) errors.price = t("new.badPrice");
      if (link && !isHttpUrl(link)) errors.link = t("new.badUrl", { url: link });
      body.product = { name: inputs.productName.value.trim(), features: lines(inputs.features.value),
        ...(price ? { price } : {}), ...(link ? { link } : {}) };
    }
    for (const slot of form.querySelectorAll("[data-error-for]")) {
      if (slot !== filesError) slot.textContent = errors[slot.dataset.errorFor] || "";
    }
    return Object.keys(errors).length ? null : body;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const body = read();
    if (!body) return;
    let item = null;
    try {
      item = await api.post("/api/library", body);
      if (files.length) await postFiles(`/api/library/${item.id}/files`, files);
    } catch (err) {
      if (item) await api.del(`/api/library/${item.id}`).catch(() => {});
      showFieldErrors(form, err, error);
      return;
    }
    close();
    onCreated(item);
  });
  dialog.append(form);
  dialog.addEventListener("cancel", () => { for (const url of previews) URL.revokeObjectURL(url); });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  inputs.title.focus();
}
