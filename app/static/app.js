// Progressive enhancement only: every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".copy-link");
  if (!button) return;
  const url = new URL(button.dataset.url, window.location.origin).href;
  navigator.clipboard.writeText(url).then(
    () => { button.textContent = "Länken är kopierad"; },
    () => { window.prompt("Kopiera länken:", url); }
  );
});
