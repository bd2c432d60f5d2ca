"""The one-page checkout form. It never has a price, total or currency field: whatever a
browser posts under such names is ignored, every amount is the server's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from comptoir.checkout.rendering import RENDERER
from comptoir.taxes.vat_numbers import clean_vat_number


class CheckoutForm(forms.Form):
    # Its fields are written in Python rather than through a dozen small templates each.
    default_renderer = RENDERER

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("For the order confirmation and its follow-up."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    billing_same = forms.BooleanField(
        label=_("Billing address same as shipping"), required=False, initial=True
    )
    vat_number = forms.CharField(
        label=_("EU VAT number (businesses, optional)"),
        max_length=20,
        required=False,
        help_text=_("Printed on your invoice with the company name of the billing address."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "short"}),
    )
    shipping_method = forms.ChoiceField(
        label=_("Shipping method"), choices=(), required=False, widget=forms.RadioSelect
    )
    pickup_id = forms.CharField(label=_("Pickup point number"), max_length=40, required=False)
    pickup_name = forms.CharField(label=_("Pickup point name"), max_length=120, required=False)
    pickup_address = forms.CharField(
        label=_("Pickup point address"), max_length=250, required=False
    )
    discount_code = forms.CharField(
        label=_("Discount code"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "short"}),
    )
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=(), widget=forms.RadioSelect
    )
    cart_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        shipping_codes: list[str],
        pickup_codes: set[str],
        payment_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = [(code, code) for code in shipping_codes]
        self.fields["shipping_method"].required = bool(shipping_codes)
        self.fields["payment_method"].choices = payment_choices
        self.pickup_codes = pickup_codes
        if not self.initial.get("payment_method") and payment_choices:
            self.initial["payment_method"] = payment_choices[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("shipping_method") in self.pickup_codes:
            for name in ("pickup_id", "pickup_name", "pickup_address"):
                if not data.get(name):
                    self.add_error(name, _("Tell us which pickup point to deliver to."))
        return data

    def check_business_buyer(self, billing: forms.Form) -> bool:
        """The VAT number, if given, checked against the billing address's country, which
        must also name the company; errors go on the fields concerned."""
        number = self.cleaned_data.get("vat_number", "").strip()
        if not number:
            return True
        valid = True
        try:
            self.cleaned_data["vat_number"] = clean_vat_number(
                number, country=billing.cleaned_data.get("country", "")
            )
        except ValidationError as error:
            self.add_error("vat_number", error)
            valid = False
        if not billing.cleaned_data.get("company", "").strip():
            billing.add_error("company", _("Give the company's name with its VAT number."))
            valid = False
        return valid

    def billing_address(self, address: dict[str, str]) -> dict[str, str]:
        """The billing address as the order keeps it: with the buyer's VAT number."""
        number = self.cleaned_data.get("vat_number", "")
        return {**address, "vat_number": number} if number else address

    def pickup_point(self) -> dict[str, str]:
        if self.cleaned_data.get("shipping_method") not in self.pickup_codes:
            return {}
        return {
            "id": self.cleaned_data["pickup_id"],
            "name": self.cleaned_data["pickup_name"],
            "address": self.cleaned_data["pickup_address"],
        }


def posted_initial(
    data: QueryDict, form_class: type[forms.Form], prefix: str | None = None
) -> dict[str, Any]:
    """What was posted, as the initial values of a fresh form: the page is shown again with
    the shopper's input but without complaining about fields not filled in yet."""
    initial: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        key = f"{prefix}-{name}" if prefix else name
        if isinstance(field, forms.BooleanField):
            initial[name] = key in data
        elif key in data:
            initial[name] = data.get(key, "")
    return initial
