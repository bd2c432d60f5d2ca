from __future__ import annotations

from django.db.models import F

from comptoir.shops.models import Shop


def bump_catalog_version(shop_id: int) -> None:
    """Invalidate every cached page of the shop, on every server.

    Call inside the transaction that changes the catalog: the new version becomes visible
    exactly when the change does.
    """
    Shop.objects.filter(pk=shop_id).update(catalog_version=F("catalog_version") + 1)


def create_shop(
    *,
    code: str,
    name: str,
    domain: str = "",
    is_default: bool = False,
    languages: str = "fr,en",
    default_language: str = "fr",
    currency: str = "EUR",
    **extra: object,
) -> Shop:
    shop = Shop(
        code=code,
        name=name,
        domain=domain.lower(),
        is_default=is_default,
        languages=languages,
        default_language=default_language,
        currency=currency.upper(),
        **extra,
    )
    shop.full_clean()
    shop.save()
    return shop
