from django_tasks import task


@task()
def generate_feeds(shop_id: int) -> None:
    from comptoir.seo.feeds import generate_feeds as generate
    from comptoir.shops.models import Shop

    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is not None:  # deleted before the worker got to it
        generate(shop)


@task()
def refresh_feeds() -> None:
    from comptoir.seo.feeds import refresh_stale_feeds

    refresh_stale_feeds()
