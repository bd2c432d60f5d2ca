"""The download link: the file as an attachment, or a page saying plainly why not."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from comptoir.downloads import services


@never_cache
@require_safe
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    shop = getattr(request, "shop", None)
    outcome = services.use_download(token, shop_id=shop.pk if shop else None)
    if outcome.refusal:
        body = render_to_string(
            "downloads/unavailable.html",
            {"refusal": outcome.refusal, "grant": outcome.grant, "shop": shop},
            request=request,
        )
        return HttpResponse(body, status=outcome.status)
    assert outcome.grant is not None
    stored = outcome.grant.file.file
    name = stored.name or ""
    extension = name.rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else ""
    filename = outcome.grant.file.name + (f".{extension}" if extension else "")
    response = FileResponse(stored.storage.open(name, "rb"), as_attachment=True, filename=filename)
    response["X-Robots-Tag"] = "noindex"
    return response
