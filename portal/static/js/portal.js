// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.value || source.textContent.trim()).then(() => {
    const original = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = original; }, 2000);
  });
});

// A plain form marked data-disable-on-submit disables its button once sent, so a second
// click cannot post it again (the form's one-time token refuses a repeat anyway).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-disable-on-submit]")) return;
  form.querySelectorAll("button[type=submit]").forEach((button) => {
    setTimeout(() => { button.disabled = true; }, 0);  // after the browser reads the form
  });
});
// Back/forward cache restores the page as it was: give the buttons back.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("[data-disable-on-submit] button[type=submit]").forEach((button) => {
    button.disabled = false;
  });
});

// The invite page's Share button opens the phone's own share sheet (Web Share API) where
// the browser has one; elsewhere it stays hidden and the plain links beside it do the job.
if (navigator.share) {
  document.querySelectorAll("[data-share]").forEach((button) => { button.hidden = false; });
}
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-share]");
  if (!button || !navigator.share) return;
  navigator.share({
    title: button.dataset.shareTitle,
    text: button.dataset.shareText,
  }).catch(() => {});  // the owner closed the sheet: nothing to do
});
