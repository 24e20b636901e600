// A channel's publish targets (docs/ARCHITECTURE.md §10, publications): which platforms its videos go to
// (YouTube, TikTok, Instagram Reels) and the state of its TikTok / Instagram accounts; "Connect" runs the
// platform's OAuth web flow (the API redirects back with ?connected=<id>&target=<platform>), and an account
// whose token the platform refused shows "reconnect".
import { api } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { showError } from "../ui.js";
import "./accounts_i18n.js";

const TARGETS = ["youtube", "tiktok", "instagram"];
const SOCIAL = new Set(["tiktok", "instagram"]);

export function targetsCell(channel) {
  const cell = h("td", { "data-label": t("targets.title"), class: "channel-targets" });
  const slot = h("span", { class: "error", role: "alert" });

  async function save(targets) {
    try { render(await api.put(`/api/channels/${channel.id}/targets`, { targets })); }
    catch (err) { showError(cell, err, slot); load(); }
  }

  function item(name, setup) {
    const on = setup.targets.includes(name);
    const account = setup.connections.find((connection) => connection.target === name);
    // The boxes as they are now (a second click may come before the first answer re-renders the cell).
    const box = h("input", { type: "checkbox", checked: on, "data-target": name, onchange: () =>
      save(TARGETS.filter((target) => cell.querySelector(`input[data-target="${target}"]`).checked)) });
    const parts = [h("label", {}, box, " ", t(`targets.${name}`))];
    if (SOCIAL.has(name)) {
      const state = account ? account.status : "none";
      parts.push(h("span", { class: state === "reconnect" ? "chip warn" : "chip", "data-state": state },
        account ? `${t(`targets.state.${state}`)} · ${account.accountName}` : t("targets.state.none")));
      parts.push(h("button", { type: "button", "data-connect": name, onclick: async () => {
        try {
          const start = await api.post(`/api/channels/${channel.id}/connections/${name}`);
          location.assign(start.authorizationUrl);
        } catch (err) { showError(cell, err, slot); }
      } }, t(account ? "targets.reconnect" : "targets.connect", { platform: t(`targets.${name}`) })));
    }
    return h("div", { class: "target", dataset: { target: name } }, ...parts);
  }

  function render(setup) { cell.replaceChildren(...TARGETS.map((name) => item(name, setup)), slot); }

  async function load() {
    try { render(await api.get(`/api/channels/${channel.id}/targets`)); }
    catch (err) { showError(cell, err, slot); }
  }

  load();
  return cell;
}
