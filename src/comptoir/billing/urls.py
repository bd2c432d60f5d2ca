from django.urls import path

from comptoir.billing import views

app_name = "billing"

urlpatterns = [
    path("<str:token>/", views.document, name="document"),
]
