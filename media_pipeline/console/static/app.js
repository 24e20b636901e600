// Console shell: hash routes, navigation, language switch, sign-in state.
import { revokeAndSignOut, session, setExpiredHandler } from "./api.js";
import { currentLang, setLang, t } from "./i18n.js";
import { h } from "./dom.js";
import { banner } from "./ui.js";
import { renderSignIn } from "./views/signin.js";
import { renderQueue } from "./views/queue.js";
import { renderAutomation } from "./views/automation.js";
import { renderTask } from "./views/task.js";
import { renderSchedules } from "./views/schedules.js";
import { renderContents } from "./views/contents.js";
import { renderPerformance } from "./views/performance.js";
import { renderAdmin } from "./views/admin.js";
import { renderChannels } from "./views/channels.js";
import { renderLibrary } from "./views/library.js";
import { renderMusic } from "./views/music.js";
import { drawerChrome } from "./views/drawer.js";
import { headerBalance, renderCredits } from "./views/credits.js";
import { renderImageJob } from "./views/imagejob.js";
import { renderReview } from "./views/review.js";

const ROUTES = [
  { pattern: /^#\/library$/, nav: "library", render: renderLibrary },
  { pattern: /^#\/queue$/, nav: "queue", render: renderQueue },
  { pattern: /^#\/automation(?:\/(\w+))?$/, nav: "automation", render: renderAutomation },
  { pattern: /^#\/tasks\/([A-Za-z0-9_-]+)$/, nav: "automation", render: renderTask },
  { pattern: /^#\/schedules$/, nav: "schedules", render: renderSchedules },
  { pattern: /^#\/contents$/, nav: "contents", render: renderContents },
  { pattern: /^#\/performance$/, nav: "performance", render: renderPerformance },
  { pattern: /^#\/channels(?:\?.*)?$/, nav: "channels", render: renderChannels },
  { pattern: /^#\/music$/, nav: "music", render: renderMusic },
  { pattern: /^#\/admin$/, nav: "admin", render: renderAdmin },
  { pattern: /^#\/tasks\/([A-Za-z0-9_-]+)\/images$/, nav: "automation", render: renderImageJob },
  { pattern: /^#\/credits(?:\/([A-Za-z0-9_-]+))?$/, nav: "credits", render: renderCredits },
  { pattern: /^#\/review\/([A-Za-z0-9_-]+)$/, nav: "automation", render: renderReview },
];
let cleanup = null;

function renderChrome(active) {
  document.getElementById("skip-link").textContent = t("skip");
  document.getElementById("lang-label").textContent = t("lang");
  document.getElementById("lang-switch").value = currentLang();
  const current = session();
  const nav = document.getElementById("nav");
  nav.replaceChildren(...(current ? [
    ["library", "#/library"], ["queue", "#/queue"], ["automation", "#/automation"], ["schedules", "#/schedules"],
    ["contents", "#/contents"], ["performance", "#/performance"], ["credits", "#/credits"], ["channels", "#/channels"],
    ["music", "#/music"],
    ...(current.user.isAdmin ? [["admin", "#/admin"]] : []),
  ].map(([name, href]) => h("a", { href, "aria-current": name === active ? "page" : null }, t(`nav.${name}`)))
    .concat(h("a", { href: "/docs", target: "_blank", rel: "noopener" }, t("nav.docs"))) : []));
  const signout = document.getElementById("signout");
  signout.hidden = !current;
  signout.textContent = t("signout");
  document.getElementById("whoami").textContent = current ? current.user.username || "" : "";
  drawerChrome();
  headerBalance(Boolean(current));
}

async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const main = document.getElementById("main");
  const hash = location.hash || "#/library";
  if (!session()) {
    renderChrome(null);
    cleanup = renderSignIn(main, () => { location.hash = hash === "#/signin" ? "#/library" : hash; route(); });
    return;
  }
  const found = ROUTES.map((r) => ({ r, m: hash.match(r.pattern) })).find((x) => x.m);
  if (!found) { location.hash = "#/library"; return; }
  renderChrome(found.r.nav);
  cleanup = found.r.render(main, ...found.m.slice(1)) || null;
}

setExpiredHandler(() => {
  banner(t("signin.expired"));
  route();
});
document.getElementById("signout").addEventListener("click", async () => {
  await revokeAndSignOut();
  banner("");
  route();
});
document.getElementById("lang-switch").addEventListener("change", (event) => { setLang(event.target.value); route(); });
window.addEventListener("hashchange", () => { banner(""); route(); });
setLang(currentLang());
route();
