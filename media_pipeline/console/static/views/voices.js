// Cloned voices on the channels page (docs/ARCHITECTURE.md §12): the workspace's clones with their consent
// records, and a form cloning a voice from a recording only with the speaker's consent (name, statement,
// the consent box); the browser checks what it can, the server's 422 names the rest.
import { api } from "../api.js";
import { field, h } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import "./music_i18n.js";

const MIN_STATEMENT = 20;

// The voices section; ``onChange()`` runs after a clone (the channels' voice list reloads).
export function voicesSection(onChange) {
  const list = h("ul", { id: "voice-list" });
  const error = h("p", { class: "error", role: "alert", id: "voice-error" });
  const inputs = {
    file: h("input", { type: "file", name: "file", accept: "audio/*" }),
    name: h("input", { name: "name", maxlength: 100 }),
    consentBy: h("input", { name: "consentBy", maxlength: 200 }),
    consentStatement: h("textarea", { name: "consentStatement", rows: 2, maxlength: 2000 }),
    consent: h("input", { type: "checkbox", name: "consent" }),
  };
  const form = h("form", { id: "voice-clone", novalidate: true },
    field(t("voices.file"), inputs.file, "file"), field(t("voices.name"), inputs.name, "name"),
    field(t("voices.consentBy"), inputs.consentBy, "consentBy"),
    field(t("voices.statement"), inputs.consentStatement, "consentStatement"),
    h("label", { class: "inline" }, inputs.consent, t("voices.consent")),
    h("span", { class: "error", role: "alert", "data-error-for": "consent" }),
    h("button", { type: "submit", class: "primary" }, t("voices.clone")), error);

  function check() {
    const problems = {};
    if (!inputs.file.files[0]) problems.file = t("music.needFile");
    if (!inputs.name.value.trim()) problems.name = t("voices.needName");
    if (!inputs.consentBy.value.trim()) problems.consentBy = t("voices.needSpeaker");
    if (inputs.consentStatement.value.trim().length < MIN_STATEMENT) problems.consentStatement = t("voices.needStatement", { n: MIN_STATEMENT });
    if (!inputs.consent.checked) problems.consent = t("voices.needConsent");
    for (const slot of form.querySelectorAll("[data-error-for]")) slot.textContent = problems[slot.dataset.errorFor] || "";
    return Object.keys(problems).length === 0;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!check()) return;
    const body = new FormData();
    body.append("file", inputs.file.files[0]);
    for (const key of ["name", "consentBy", "consentStatement"]) body.append(key, inputs[key].value.trim());
    body.append("consent", "true");
    try {
      const voice = await api.upload("/api/voices", body);
      banner(t("voices.cloned", { name: voice.name }));
      form.reset();
      load();
      onChange();
    } catch (err) { showError(form, err, error); }
  });

  async function load() {
    try {
      const voices = await api.get("/api/voices");
      list.replaceChildren(...(voices.items.length ? voices.items.map((v) => h("li", { dataset: { voice: v.voice } },
        h("strong", {}, v.name), " ", h("code", {}, v.voice), " · ",
        t("voices.consentRecord", { who: v.consentBy, when: fmtDate(v.consentAt) })))
        : [h("li", { class: "muted" }, t("voices.empty"))]));
    } catch (err) { showError(list, err, error); }
  }

  load();
  return h("section", { class: "card", id: "voices" }, h("h2", {}, t("voices.title")),
    h("p", { class: "muted" }, t("voices.note")), list, form);
}
