from django.urls import path
from django.utils.translation import gettext_lazy as _

from comptoir.orders import views

app_name = "orders"

urlpatterns = [
    path(_("order/<str:token>/"), views.status, name="status"),
    path(_("order/<str:token>/pay/"), views.pay, name="pay"),
]
