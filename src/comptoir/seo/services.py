from __future__ import annotations

from django.db import transaction

from comptoir.seo.models import Redirect, RedirectSource
from comptoir.shops.models import Shop


@transaction.atomic
def add_redirect(
    shop: Shop, *, old_path: str, new_path: str, source: str = RedirectSource.MANUAL
) -> Redirect | None:
    """Send ``old_path`` to ``new_path`` with a 301, in one hop: redirects that pointed at
    ``old_path`` now point at ``new_path``, and a redirect back to itself is dropped.
    Returns the redirect, or None when the two paths are the same."""
    if old_path == new_path:
        Redirect.objects.filter(shop=shop, old_path=old_path).delete()
        return None
    # The new page may have been an old address itself: it is live again.
    Redirect.objects.filter(shop=shop, old_path=new_path).delete()
    Redirect.objects.filter(shop=shop, new_path=old_path).update(new_path=new_path)
    redirect, _ = Redirect.objects.update_or_create(
        shop=shop, old_path=old_path, defaults={"new_path": new_path, "source": source}
    )
    return redirect
