// Progressive enhancement only: every page works without this file.

// The copy button needs the clipboard API, so it is shown only when the script runs.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".copy-link[hidden]").forEach((button) => { button.hidden = false; });
});

function announce(button, message) {
  const status = button.closest(".actions")?.querySelector(".copy-status");
  if (status) status.textContent = message;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest(".copy-link");
  if (!button) return;
  const url = new URL(button.dataset.url, window.location.origin).href;
  const copied = () => {
    button.textContent = "Länken är kopierad";
    announce(button, "Länken " + url + " är kopierad.");
  };
  if (!navigator.clipboard) {
    announce(button, "Kopiera länken: " + url);
    return;
  }
  navigator.clipboard.writeText(url).then(copied, () => announce(button, "Kopiera länken: " + url));
});

// The filter box remembers whether it was left open; the server reads the cookie so the page opens the same way.
document.addEventListener("toggle", (event) => {
  if (event.target.id !== "filters") return;
  const state = event.target.open ? "open" : "closed";
  document.cookie = "kb_filters=" + state + "; path=/; max-age=31536000; samesite=lax";
}, true);

// Back and Forward restore htmx's copy of the results; the form must show the search they belong to.
function formFromAddress() {
  const form = document.querySelector("form.search");
  if (!form) return;
  const params = new URLSearchParams(window.location.search);
  form.querySelectorAll("input[name], select[name]").forEach((field) => {
    if (field.type === "checkbox") field.checked = params.get(field.name) === field.value;
    else if (field.name === "q" || params.has(field.name)) field.value = params.get(field.name) || "";
  });
}
document.addEventListener("htmx:historyRestore", formFromAddress);
window.addEventListener("pageshow", (event) => { if (event.persisted) formFromAddress(); });

// "Visa hela stycket": the whole passage takes the excerpt's place and gets the focus the link had.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.target.classList.contains("passage-text")) event.target.querySelector(".text")?.focus();
});

// A document opened at a cited passage (?passage=…) shows it even when the address has no #c-… anchor.
document.addEventListener("DOMContentLoaded", () => {
  const cited = document.querySelector(".chunk.cited");
  if (cited && !window.location.hash) cited.scrollIntoView();
});
