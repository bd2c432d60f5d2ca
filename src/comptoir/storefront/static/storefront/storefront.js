// Progressive enhancement only: every page works without this file.
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-autosubmit]");
  if (form) form.requestSubmit();
});
// Filters start folded on a phone, where they would push the products off screen,
// and open on a wide screen, where they sit beside them.
if (window.matchMedia("(min-width: 50em)").matches) {
  document.querySelectorAll("details[data-open-wide]").forEach((d) => { d.open = true; });
}
