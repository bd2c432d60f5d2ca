from django.urls import path
from django.utils.translation import gettext_lazy as _

from comptoir.returns import views

app_name = "returns"

urlpatterns = [
    path(_("order/<str:token>/return/"), views.request_return, name="request"),
    path(
        _("order/<str:token>/return/<int:return_id>/cancel/"),
        views.cancel_return,
        name="cancel",
    ),
]
