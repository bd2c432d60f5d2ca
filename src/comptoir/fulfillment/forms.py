from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.fulfillment.carriers import Carrier


class DispatchConfirmationForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Carrier.choices)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=80)


class TrackingImportForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=Carrier.choices)
    numbers = forms.CharField(
        label=_("Tracking numbers"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_('One line per parcel: order number, then tracking number ("000123;6A123...").'),
    )


class ProviderFileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("File"),
        choices=[("confirmations", _("Shipment confirmations")), ("stock", _("Stock levels"))],
    )
    file = forms.FileField(label=_("CSV file"))
