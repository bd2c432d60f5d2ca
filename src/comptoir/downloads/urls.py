from django.urls import path

from comptoir.downloads import views

app_name = "downloads"

urlpatterns = [
    path("<str:token>/", views.download, name="download"),
]
