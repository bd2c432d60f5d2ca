from django.urls import path

from comptoir.fulfillment import views

app_name = "fulfillment"
urlpatterns = [
    path(
        "routes/<int:route_id>/confirmations/",
        views.confirmation_webhook,
        name="confirmation_webhook",
    ),
    path("supplier/<str:token>/", views.supplier_confirm, name="supplier_confirm"),
]
