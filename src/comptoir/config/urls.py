from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve as serve_file

from comptoir.storefront import views as storefront_views
from comptoir.support.urls import webhook_urlpatterns as support_webhooks

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", storefront_views.root_redirect, name="root"),
    path("payments/", include("comptoir.payments.urls")),
    path("downloads/", include("comptoir.downloads.urls")),
    path("fulfillment/", include("comptoir.fulfillment.urls")),
    path("sandbox-psp/", include("comptoir.sandbox_psp.urls")),
    path("", include("comptoir.seo.urls")),
    *support_webhooks,
]

if settings.COMPTOIR_SERVE_MEDIA:
    # A one-server shop has no front proxy to serve uploads; a larger set-up lets nginx or a
    # CDN do it and turns this off.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_file, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += i18n_patterns(
    path("", include("comptoir.storefront.urls")),
    path("", include("comptoir.orders.urls")),
    path("", include("comptoir.returns.urls")),
    path(_("basket/"), include("comptoir.cart.urls")),
    path(_("checkout/"), include("comptoir.checkout.urls")),
    path(_("account/"), include("comptoir.customers.urls")),
    path("support/", include("comptoir.support.urls")),
    prefix_default_language=True,
)

handler400 = "comptoir.storefront.views.bad_request"
handler404 = "comptoir.storefront.views.page_not_found"
handler500 = "comptoir.storefront.views.server_error"
