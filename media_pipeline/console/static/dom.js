// Tiny DOM helpers: elements are built with textContent (never innerHTML), so data cannot inject markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); return el; }

let uid = 0;
export function nextId(prefix) { uid += 1; return `${prefix}-${uid}`; }

// A labelled form control: <label>text <control></label> plus an error slot for the field.
export function field(labelText, control, name) {
  const error = h("span", { class: "error", role: "alert", "data-error-for": name || control.name || "" });
  return h("label", {}, h("span", {}, labelText), control, error);
}

export function select(name, options, value) {
  return h("select", { name, id: nextId(name) },
    options.map(([optValue, text]) => h("option", { value: optValue, selected: optValue === value }, text)));
}

// A modal confirmation in a <dialog>; resolves true when confirmed.
export function confirmDialog(message, yes, no) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { "aria-label": message });
    const close = (answer) => { dialog.close(); dialog.remove(); resolve(answer); };
    dialog.append(h("p", {}, message), h("div", { class: "row" },
      h("button", { type: "button", class: "primary", "data-confirm": "yes", onclick: () => close(true) }, yes),
      h("button", { type: "button", onclick: () => close(false) }, no)));
    dialog.addEventListener("cancel", (event) => { event.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
