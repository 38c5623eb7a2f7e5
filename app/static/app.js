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
