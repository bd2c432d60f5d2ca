"""The PDF of an invoice or credit note, for whoever holds its signed link."""

from __future__ import annotations

import io

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from comptoir.billing import services
from comptoir.billing.links import document_from_token


@never_cache
@require_safe
def document(request: HttpRequest, token: str) -> FileResponse:
    found = document_from_token(token)
    shop = getattr(request, "shop", None)
    # A staff member downloads from the admin on whatever host it answers.
    if found is None or (
        shop is not None and found.shop_id != shop.pk and not request.user.is_staff
    ):
        raise Http404
    content = services.pdf_bytes(found)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=f"{found.reference}.pdf",
        content_type="application/pdf",
    )
    response["X-Robots-Tag"] = "noindex"
    return response
