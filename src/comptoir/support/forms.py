from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_MESSAGE = 5000


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(
        label=_("Your email"),
        error_messages={"invalid": _("Enter the email address you ordered with.")},
    )
    order_number = forms.CharField(
        label=_("Order number (optional)"),
        max_length=20,
        required=False,
        help_text=_("Found in your confirmation email, e.g. 001042."),
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write your question.")},
    )
    # Hidden from people by CSS; robots fill every field they find.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def clean_order_number(self) -> str:
        value = self.cleaned_data["order_number"].strip().lstrip("#")
        if value and not value.isdigit():
            raise forms.ValidationError(_("An order number has only digits, e.g. 001042."))
        return value


class OrderQuestionForm(forms.Form):
    message = forms.CharField(
        label=_("Your question about this order"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your question.")},
    )
    website = forms.CharField(required=False, label=_("Leave this empty"))


class CustomerReplyForm(forms.Form):
    message = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your reply.")},
    )
