from django.urls import path
from django.utils.translation import gettext_lazy as _

from comptoir.orders import selfservice_views, views

app_name = "orders"

urlpatterns = [
    path(_("where-is-my-order/"), selfservice_views.lookup, name="lookup"),
    path(_("order/<str:token>/"), views.status, name="status"),
    path(_("order/<str:token>/pay/"), views.pay, name="pay"),
    path(_("order/<str:token>/cancel/"), selfservice_views.cancel, name="cancel"),
    path(_("order/<str:token>/address/"), selfservice_views.change_address, name="address"),
]
