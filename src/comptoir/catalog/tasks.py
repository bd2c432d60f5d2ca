from django_tasks import task

from comptoir.catalog.models import ProductImage


@task()
def make_image_renditions(image_id: int) -> None:
    from comptoir.catalog.images import make_renditions
    from comptoir.shops.services import bump_catalog_version

    image = ProductImage.objects.select_related("product").filter(pk=image_id).first()
    if image is None:  # deleted before the worker got to it
        return
    make_renditions(image)
    bump_catalog_version(image.product.shop_id)
