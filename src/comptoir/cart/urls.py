from django.urls import path
from django.utils.translation import gettext_lazy as _

from comptoir.cart import views

app_name = "cart"

urlpatterns = [
    path("", views.detail, name="detail"),
    path(_("add/"), views.add, name="add"),
    path(_("update/"), views.update, name="update"),
]
