from django.urls import path

from comptoir.sandbox_psp import views

app_name = "sandbox_psp"

urlpatterns = [
    path("pay/<str:intent_id>/", views.pay, name="pay"),
    path("3ds/<str:intent_id>/", views.challenge, name="challenge"),
    path("cancel/<str:intent_id>/", views.cancel, name="cancel"),
]
