// Sign-in page: username + password -> bearer token kept in sessionStorage.
import { signIn } from "../api.js";
import { h, field } from "../dom.js";
import { t } from "../i18n.js";
import { banner, showError } from "../ui.js";

export function renderSignIn(main, onSignedIn) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, maxlength: 64 });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("p", { class: "error", role: "alert", id: "signin-error" });
  const form = h("form", { "aria-labelledby": "signin-title" },
    field(t("signin.username"), username), field(t("signin.password"), password), error,
    h("button", { type: "submit", class: "primary" }, t("signin.submit")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signIn(username.value.trim(), password.value);
      banner("");
      onSignedIn();
    } catch (err) {
      showError(form, err, error);
    }
  });
  main.replaceChildren(h("section", { class: "card signin" }, h("h1", { id: "signin-title" }, t("signin.title")), form));
  username.focus();
}
