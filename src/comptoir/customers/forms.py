"""Address and account forms, shared by the checkout and the customer's pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from comptoir.checkout.rendering import RENDERER
from comptoir.customers.addresses import country_name, normalise_postal_code
from comptoir.customers.models import ADDRESS_FIELDS, Address


class AddressFields(forms.Form):
    """A postal address; ``countries`` limits the country select (the shop's zones)."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    company = forms.CharField(
        label=_("Company (optional)"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    line1 = forms.CharField(
        label=_("Address"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label=_("Address line 2 (optional)"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "class": "short"}),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.ChoiceField(
        label=_("Country"), choices=(), widget=forms.Select(attrs={"autocomplete": "country"})
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    def __init__(self, *args: Any, countries: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = countries
        if not self.initial.get("country") and countries:
            self.initial["country"] = countries[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        country, postal_code = data.get("country"), data.get("postal_code")
        if country and postal_code:
            tidy = normalise_postal_code(country, postal_code)
            if tidy is None:
                message = (
                    _("A French postal code has 5 digits.")
                    if country == "FR"
                    else _("This is not a postal code of %(country)s.")
                    % {"country": country_name(country)}
                )
                self.add_error("postal_code", message)
            else:
                data["postal_code"] = tidy
        return data

    def address(self) -> dict[str, str]:
        return {name: str(self.cleaned_data.get(name) or "").strip() for name in ADDRESS_FIELDS}


class AddressBookForm(AddressFields):
    is_default = forms.BooleanField(label=_("Use as my default address"), required=False)

    @classmethod
    def initial_from(cls, address: Address) -> dict[str, Any]:
        return {**address.as_dict(), "is_default": address.is_default}


class ClaimAccountForm(forms.Form):
    """After a guest order: choose a password to keep the order in an account."""

    # Shown on every guest's order page: its fields written in Python, same markup.
    default_renderer = RENDERER

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(username=self.email, email=self.email)
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
