// YouTube channels (docs/ARCHITECTURE.md §10): connect one through Google's consent page (the API runs the
// OAuth web-server flow and redirects back here with ?connected=<id> or ?error=<code>), see each channel's
// title, choose the default channel, set its task defaults (made for kids, narration voice, e.g. a cloned one;
// §12), disconnect (the token is revoked at Google and deleted), and edit each channel's brand kit
// (views/brandkit.js).
import { api, request } from "../api.js";
import { confirmDialog, h, nextId } from "../dom.js";
import { t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import "./accounts_i18n.js";
import { renderBrandKit } from "./brandkit.js";
import "./music_i18n.js";
import { voicesSection } from "./voices.js";
import { targetsCell } from "./publish_targets.js";

// The ?connected= / ?error= the OAuth callback put in the hash, removed so a reload does not repeat it.
function takeOutcome() {
  const query = new URLSearchParams(location.hash.split("?")[1] || "");
  if (query.size) history.replaceState(null, "", "#/channels");
  return { connected: query.get("connected"), target: query.get("target"), error: query.get("error") };
}

export function renderChannels(main) {
  const rows = h("tbody", { id: "channel-rows" });
  const error = h("p", { class: "error", role: "alert", id: "channels-error" });
  const brandPanel = h("section", { class: "card", id: "brand-kit", hidden: true });
  const outcome = takeOutcome();

  const connectButton = h("button", { type: "button", class: "primary", id: "channel-connect", onclick: async () => {
    try {
      const start = await api.post("/api/channels/connect");
      location.assign(start.authorizationUrl);
    } catch (err) { showError(main, err, error); }
  } }, t("channels.connect"));

  const voiceList = h("datalist", { id: nextId("cloned-voices") });

  // The channel's task defaults: madeForKids (unset / yes / no) and voice, saved with PATCH.
  function defaults(channel, tr, slot) {
    const kids = h("select", { name: "madeForKids", "aria-label": t("channels.kids") },
      [["", t("channels.kidsUnset")], ["true", t("yes")], ["false", t("no")]].map(([value, text]) =>
        h("option", { value, selected: String(channel.madeForKids ?? "") === value }, text)));
    const voice = h("input", { name: "voice", value: channel.voice || "", maxlength: 80, list: voiceList.id,
      placeholder: "elevenlabs:…", "aria-label": t("channels.voice") });
    const save = h("button", { type: "button", "data-action": "save-defaults", onclick: async () => {
      try {
        await api.patch(`/api/channels/${channel.id}`, {
          madeForKids: kids.value === "" ? null : kids.value === "true", voice: voice.value.trim() || null,
        });
        banner(t("channels.defaultsSaved", { name: channel.name }));
      } catch (err) { showError(tr, err, slot); }
    } }, t("channels.saveDefaults"));
    return h("td", { "data-label": t("channels.defaults"), class: "channel-defaults" },
      h("div", { class: "row" }, kids, voice, save));
  }

  function row(channel) {
    const slot = h("span", { class: "error", role: "alert" });
    const tr = h("tr", { dataset: { channelId: channel.id } },
      h("td", { "data-label": t("channels.name"), class: "channel-name" }, channel.name),
      h("td", { "data-label": t("channels.default"), class: "channel-default" },
        channel.isDefault ? h("span", { class: "chip" }, t("channels.isDefault")) : null),
      h("td", { "data-label": t("admin.state") },
        t(channel.authorized ? "channels.authorized" : "channels.unauthorized")),
      targetsCell(channel));
    tr.append(defaults(channel, tr, slot),
      h("td", { class: "actions", "data-label": t("admin.actions") },
        h("button", { type: "button", "data-action": "brand", onclick: () => {
          brandPanel.hidden = false;
          renderBrandKit(brandPanel, channel, () => { brandPanel.hidden = true; brandPanel.replaceChildren(); });
        } }, t("brand.open")),
        channel.isDefault ? null : h("button", { type: "button", "data-action": "default", onclick: async () => {
          try { await request("PUT", `/api/channels/${channel.id}/default`); load(); }
          catch (err) { showError(tr, err, slot); }
        } }, t("channels.makeDefault")),
        h("button", { type: "button", class: "danger", "data-action": "disconnect", onclick: async () => {
          if (!(await confirmDialog(t("channels.confirmDisconnect", { name: channel.name }), t("yes"), t("no")))) return;
          try {
            await api.del(`/api/channels/${channel.id}`);
            banner(t("channels.disconnected", { name: channel.name }));
            load();
          } catch (err) { showError(tr, err, slot); }
        } }, t("channels.disconnect")), slot));
    return tr;
  }

  async function load() {
    try {
      const [list, voices] = await Promise.all([api.get("/api/channels"),
        api.get("/api/voices").catch(() => ({ items: [] }))]);
      voiceList.replaceChildren(...voices.items.map((v) => h("option", { value: v.voice }, v.name)));
      rows.replaceChildren(...(list.items.length ? list.items.map(row)
        : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("channels.empty")))]));
      if (outcome.connected) {
        const made = list.items.find((channel) => channel.id === outcome.connected);
        const platform = outcome.target && t(`targets.${outcome.target}`);
        if (made) banner(platform ? t("channels.connectedTarget", { name: made.name, platform })
          : t("channels.connected", { name: made.name }));
        outcome.connected = null;
      }
    } catch (err) { showError(main, err, error); }
  }

  if (outcome.error) error.textContent = t(`channels.error.${outcome.error}`);
  main.replaceChildren(h("h1", {}, t("channels.title")),
    h("section", { class: "card" }, h("p", { class: "muted" }, t("channels.note")), connectButton), error,
    h("table", { class: "responsive", id: "channel-table" }, h("thead", {}, h("tr", {},
      ["channels.name", "channels.default", "admin.state", "targets.title", "channels.defaults", "admin.actions"]
        .map((key) => h("th", { scope: "col" }, t(key))))),
    rows), brandPanel, voiceList, voicesSection(load));
  load();
  return null;
}
