from django.urls import path

from comptoir.support import views

app_name = "support"

urlpatterns = [
    path("", views.contact, name="contact"),
    path("order/<str:token>/", views.ask_about_order, name="ask"),
    path("ticket/<str:token>/", views.ticket, name="ticket"),
    path("ticket/<str:token>/feedback/", views.feedback, name="feedback"),
    path("ticket/<str:token>/reply/", views.reply, name="reply"),
]

# Outside the language prefix: an email service posts here.
webhook_urlpatterns = [
    path("support/inbound/<slug:shop_code>/", views.inbound_email, name="support_inbound"),
]
