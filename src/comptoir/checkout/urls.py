from django.urls import path

from comptoir.checkout import views

app_name = "checkout"

urlpatterns = [
    path("", views.checkout, name="checkout"),
]
