// Workspace admin (docs/ARCHITECTURE.md §10): users (create, reset a password, disable/enable), credit grants
// and the audit log. Shown to admins only; the API refuses other users (403).
import { api, session } from "../api.js";
import { confirmDialog, field, h, select } from "../dom.js";
import { fmtDate, t } from "../i18n.js";
import { banner, showError } from "../ui.js";
import "./accounts_i18n.js";

function clearErrors(scope) {
  for (const slot of scope.querySelectorAll(".error")) slot.textContent = "";
}

function table(id, columns, body) {
  return h("table", { class: "responsive", id },
    h("thead", {}, h("tr", {}, columns.map((key) => h("th", { scope: "col" }, t(key))))), body);
}

export function renderAdmin(main) {
  const me = session().user;
  const userRows = h("tbody", { id: "admin-users" });
  const auditRows = h("tbody", { id: "admin-audit-rows" });
  const balance = h("p", { id: "admin-balance", "aria-live": "polite" });
  const loadError = h("p", { class: "error", role: "alert" });
  let users = [];

  const newUser = {
    username: h("input", { name: "username", required: true, maxlength: 64, autocomplete: "off" }),
    password: h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" }),
    isAdmin: h("input", { name: "isAdmin", type: "checkbox" }),
  };
  const createError = h("p", { class: "error", role: "alert" });
  const createForm = h("form", { class: "row", id: "admin-create", "aria-label": t("admin.create") },
    field(t("admin.username"), newUser.username), field(t("admin.password"), newUser.password),
    h("label", { class: "check" }, newUser.isAdmin, h("span", {}, t("admin.isAdmin"))),
    h("button", { type: "submit", class: "primary" }, t("admin.create")), createError);
  createForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api.post("/api/v1/admin/users", { username: newUser.username.value.trim(),
        password: newUser.password.value, isAdmin: newUser.isAdmin.checked });
      createForm.reset();
      clearErrors(createForm);
      banner(t("admin.created.ok", { name: made.username }));
      load();
    } catch (err) { showError(createForm, err, createError); }
  });

  const resetSlot = h("span", { class: "reset-user" });
  const resetPassword = h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" });
  const resetError = h("p", { class: "error", role: "alert" });
  const resetForm = h("form", { class: "row", id: "admin-reset", "aria-label": t("admin.reset") },
    resetSlot, field(t("admin.newPassword"), resetPassword),
    h("button", { type: "submit" }, t("admin.reset")), resetError);
  resetForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const userId = resetForm.querySelector("select").value;
    try {
      const changed = await api.post(`/api/v1/admin/users/${userId}/password`, { password: resetPassword.value });
      resetForm.reset();
      clearErrors(resetForm);
      banner(t("admin.reset.ok", { name: changed.username }));
      load();
    } catch (err) { showError(resetForm, err, resetError); }
  });

  const amount = h("input", { name: "amount", type: "number", min: 1, max: 1000000000, step: 1, required: true });
  const note = h("input", { name: "note", maxlength: 500 });
  const grantError = h("p", { class: "error", role: "alert" });
  const grantForm = h("form", { class: "row", id: "admin-grant", "aria-label": t("admin.grant") },
    field(t("admin.amount"), amount), field(t("admin.note"), note),
    h("button", { type: "submit", class: "primary" }, t("admin.grant")), grantError);
  grantForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const result = await api.post("/api/v1/admin/credits/grants",
        { workspaceId: me.workspaceId, amount: Number(amount.value), note: note.value });
      grantForm.reset();
      clearErrors(grantForm);
      banner(t("admin.granted", { amount: result.granted, balance: result.balance }));
      load();
    } catch (err) { showError(grantForm, err, grantError); }
  });

  function userRow(user) {
    const slot = h("span", { class: "error", role: "alert" });
    const row = h("tr", { dataset: { userId: user.id, username: user.username } },
      h("td", { "data-label": t("admin.username") }, user.username),
      h("td", { "data-label": t("admin.role") }, t(user.isAdmin ? "admin.role.admin" : "admin.role.member")),
      h("td", { "data-label": t("admin.state"), class: "user-state" },
        t(user.disabledAt ? "admin.state.disabled" : "admin.state.active")),
      h("td", { "data-label": t("admin.created") }, fmtDate(user.createdAt)),
      h("td", { class: "actions", "data-label": t("admin.actions") },
        user.id === me.id ? null : h("button", { type: "button", "data-action": "toggle", onclick: async () => {
          const disabled = !user.disabledAt;
          if (disabled && !(await confirmDialog(t("admin.confirmDisable", { name: user.username }), t("yes"), t("no")))) return;
          try { await api.patch(`/api/v1/admin/users/${user.id}`, { disabled }); load(); }
          catch (err) { showError(row, err, slot); }
        } }, t(user.disabledAt ? "admin.enable" : "admin.disable")), slot));
    return row;
  }

  function auditRow(entry) {
    const names = new Map(users.map((user) => [user.id, user.username]));
    return h("tr", { dataset: { action: entry.action } },
      h("td", { "data-label": t("admin.when") }, fmtDate(entry.createdAt)),
      h("td", { "data-label": t("admin.who") }, names.get(entry.actorId) || entry.actorId),
      h("td", { "data-label": t("admin.what") }, t(`audit.${entry.action}`)),
      h("td", { "data-label": t("admin.target") }, entry.details.username || entry.details.name || names.get(entry.target) || entry.target));
  }

  async function load() {
    try {
      const [list, credits, audit] = await Promise.all([
        api.get("/api/v1/admin/users"), api.get("/api/v1/credits"), api.get("/api/v1/admin/audit?limit=100")]);
      users = list.items;
      userRows.replaceChildren(...users.map(userRow));
      resetSlot.replaceChildren(field(t("admin.resetUser"),
        select("userId", users.filter((user) => user.id !== me.id).map((user) => [user.id, user.username]))));
      balance.textContent = t("admin.balance", { balance: credits.balance });
      auditRows.replaceChildren(...(audit.items.length ? audit.items.map(auditRow)
        : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, t("admin.auditEmpty")))]));
      loadError.textContent = "";
    } catch (err) { showError(main, err, loadError); }
  }

  main.replaceChildren(h("h1", {}, t("admin.title")), loadError,
    h("section", { class: "card", "aria-labelledby": "admin-users-title" },
      h("h2", { id: "admin-users-title" }, t("admin.users")), createForm,
      table("admin-user-table", ["admin.username", "admin.role", "admin.state", "admin.created", "admin.actions"], userRows),
      resetForm),
    h("section", { class: "card", "aria-labelledby": "admin-credits-title" },
      h("h2", { id: "admin-credits-title" }, t("admin.credits")), balance, grantForm),
    h("section", { class: "card", "aria-labelledby": "admin-audit-title" },
      h("h2", { id: "admin-audit-title" }, t("admin.audit")),
      table("admin-audit", ["admin.when", "admin.who", "admin.what", "admin.target"], auditRows)));
  load();
  return null;
}
