// Progressive enhancement of the checkout: the page works the same without this file.
(() => {
  const form = document.querySelector("form[data-checkout]");
  if (!form) return;
  const same = form.querySelector("#id_billing_same");
  const billing = form.querySelector("[data-billing]");
  const pickup = form.querySelector("[data-pickup-fields]");
  const sync = () => {
    if (same && billing) billing.hidden = same.checked;
    if (pickup) {
      const chosen = form.querySelector("input[name=shipping_method]:checked");
      pickup.hidden = !(chosen && chosen.hasAttribute("data-pickup"));
    }
  };
  // No automatic reload when a choice changes (it would move the reader's focus); the
  // server refuses to place an order whose choices differ from the totals shown.
  form.addEventListener("change", sync);
  sync();
})();
