from django.urls import path
from django.utils.translation import gettext_lazy as _

from comptoir.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path(_("category/<slug:slug>/"), views.category, name="category"),
    path(_("product/<slug:slug>/"), views.product, name="product"),
    path(_("search/"), views.search, name="search"),
]
