from django.urls import path
from django.utils.translation import gettext_lazy as _

from comptoir.customers import views

app_name = "customers"

urlpatterns = [
    path(_("sign-in/"), views.SignInView.as_view(), name="login"),
    path(_("sign-out/"), views.SignOutView.as_view(), name="logout"),
    path("", views.orders, name="orders"),
    path(_("orders/<int:number>/"), views.order, name="order"),
    path(_("addresses/"), views.addresses, name="addresses"),
    path(_("addresses/new/"), views.address_form, name="address_add"),
    path(_("addresses/<int:pk>/"), views.address_form, name="address_edit"),
    path(_("addresses/<int:pk>/delete/"), views.address_delete, name="address_delete"),
    path(_("claim/<str:token>/"), views.claim, name="claim"),
]
