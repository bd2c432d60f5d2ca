from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from comptoir.catalog import services
from comptoir.catalog.models import (
    Category,
    Option,
    OptionValue,
    Product,
    ProductStatus,
    ProductTranslation,
    Variant,
)
from comptoir.catalog.services import TranslationInput, VariantInput
from comptoir.core.exceptions import ComptoirError
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


def coffee_variants():
    return [
        VariantInput(
            sku="CAF-250-G",
            price=Decimal("8.50"),
            stock_quantity=4,
            options={"poids": "250 g", "mouture": "Grains"},
        ),
        VariantInput(
            sku="CAF-250-M",
            price=Decimal("8.5"),
            stock_quantity=0,
            options={"poids": "250 g", "mouture": "Moulu"},
        ),
        VariantInput(
            sku="CAF-1K-G",
            price=Decimal("29.905"),
            stock_quantity=2,
            options={"poids": "1 kg", "mouture": "Grains"},
            gtin="4006381333931",
            compare_at_price=Decimal("34"),
        ),
    ]


def test_create_product_with_variants_options_and_translations(shop):
    # given
    brand = BrandFactory(shop=shop, name="Torréfacteurs Réunis")
    category = CategoryFactory(shop=shop, name="Cafés", name_en="Coffees")

    # when
    product = services.create_product(
        shop,
        translations={
            "fr": TranslationInput(name="Café d’Éthiopie", description="<p>Floral</p>"),
            "en": TranslationInput(name="Ethiopian coffee", slug="ethiopia"),
        },
        variants=coffee_variants(),
        category=category,
        brand=brand,
        tags=["Bio", "Commerce équitable"],
    )

    # then
    assert product.status == ProductStatus.ACTIVE
    assert product.published_at is not None
    translations = {t.language: t for t in product.translations.order_by("language")}
    assert translations["fr"].slug == "cafe-d-ethiopie"
    assert translations["fr"].description == "<p>Floral</p>"
    assert translations["en"].slug == "ethiopia"
    assert translations["fr"].search_name == "cafe d ethiopie torrefacteurs reunis"
    assert translations["fr"].search_body == (
        "floral bio commerce equitable caf 250 g caf 250 m caf 1k g"
    )
    assert [po.option.code for po in product.product_options.all()] == ["poids", "mouture"]
    variants = list(product.variants.order_by("position"))
    assert [v.sku for v in variants] == ["CAF-250-G", "CAF-250-M", "CAF-1K-G"]
    assert [v.price for v in variants] == [Decimal("8.50"), Decimal("8.50"), Decimal("29.91")]
    assert variants[2].gtin == "4006381333931"
    assert variants[2].compare_at_price == Decimal("34.00")
    assert sorted(v.code for v in variants[2].option_values.all()) == ["1-kg", "grains"]
    assert sorted(OptionValue.objects.filter(option__shop=shop).values_list("code", flat=True)) == [
        "1-kg",
        "250-g",
        "grains",
        "moulu",
    ]
    assert sorted(product.tags.values_list("slug", flat=True)) == ["bio", "commerce-equitable"]


def test_options_are_shared_by_the_products_of_a_shop(shop):
    # given
    ProductFactory(shop=shop, variants=[VariantInput("A-1", Decimal(1), {"taille": "S"})])

    # when
    ProductFactory(
        shop=shop,
        variants=[
            VariantInput("B-1", Decimal(1), {"taille": "S"}),
            VariantInput("B-2", Decimal(1), {"taille": "M"}),
        ],
    )

    # then
    assert Option.objects.filter(shop=shop).count() == 1
    assert sorted(OptionValue.objects.values_list("code", flat=True)) == ["m", "s"]


def test_slug_gets_a_number_when_taken_in_the_same_shop_and_language(shop):
    # given
    ProductFactory(shop=shop, name="Thé vert")

    # when
    second = ProductFactory(shop=shop, name="Thé Vert")
    third = ProductFactory(shop=shop, name="thé  vert")

    # then
    assert second.translation("fr").slug == "the-vert-2"
    assert third.translation("fr").slug == "the-vert-3"


def test_same_slug_is_allowed_in_another_shop_and_another_language(shop):
    # given
    other_shop = ShopFactory()
    ProductFactory(shop=shop, name="Matcha", name_en="Tea")

    # when
    in_other_shop = ProductFactory(shop=other_shop, name="Matcha")
    in_other_language = ProductFactory(shop=shop, name="Tea", name_en="Matcha")

    # then
    assert in_other_shop.translation("fr").slug == "matcha"
    assert in_other_language.translation("en").slug == "matcha"
    assert in_other_language.translation("fr").slug == "tea"


def test_saving_a_product_again_keeps_its_own_slug(shop):
    # given
    product = ProductFactory(shop=shop, name="Sencha")

    # when
    services.product_changed(product)

    # then
    assert product.translation("fr").slug == "sencha"


@pytest.mark.parametrize("gtin", ["4006381333932", "40063813339", "ABCDEFGHIJKLM"])
def test_a_bad_gtin_is_refused_with_a_clear_message(shop, gtin):
    with pytest.raises(ComptoirError) as error:
        ProductFactory(shop=shop, variants=[VariantInput("G-1", Decimal(1), gtin=gtin)])

    expected = (
        f"{gtin!r} is not a valid GTIN: its check digit is wrong."
        if gtin == "4006381333932"
        else f"{gtin!r} is not a GTIN: 8, 12, 13 or 14 digits are expected."
    )
    assert str(error.value) == expected
    assert Product.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("4006381333931", "4006381333931"),
        ("4006 3813 3393 1", "4006381333931"),
        ("96385074", "96385074"),
        ("036000291452", "036000291452"),
        ("", ""),
    ],
)
def test_a_valid_gtin_is_stored_as_digits(shop, raw, stored):
    product = ProductFactory(shop=shop, variants=[VariantInput("G-1", Decimal(1), gtin=raw)])

    assert product.variants.get().gtin == stored


def test_description_is_sanitised(shop):
    # given
    dirty = (
        '<p onclick="steal()">Bon <strong>café</strong> <em>doux</em>'
        "<script>alert(1)</script><img src=x onerror=alert(1)></p>"
        '<ul><li>un</li></ul><a href="javascript:alert(1)">x</a>'
        '<a href="https://ex.fr" target="_blank">ok</a><iframe src="https://evil"></iframe>'
    )

    # when
    product = ProductFactory(shop=shop, description=dirty)

    # then
    assert product.translation("fr").description == (
        "<p>Bon <strong>café</strong> <em>doux</em></p><ul><li>un</li></ul>"
        '<a rel="noopener nofollow">x</a><a href="https://ex.fr" rel="noopener nofollow">ok</a>'
    )
    assert product.translation("fr").search_body.startswith("bon cafe doux un x ok ")


def test_more_than_three_options_are_refused(shop):
    variant = VariantInput("O-1", Decimal(1), {"a": "1", "b": "1", "c": "1", "d": "1"})

    with pytest.raises(ComptoirError) as error:
        ProductFactory(shop=shop, variants=[variant])

    assert str(error.value) == (
        "A product varies along at most 3 options; these variants use 4: a, b, c, d."
    )
    assert Option.objects.count() == 0


def test_a_sku_used_twice_in_one_product_is_refused(shop):
    variants = [
        VariantInput("S-1", Decimal(1), {"taille": "S"}),
        VariantInput("S-1", Decimal(2), {"taille": "M"}),
    ]

    with pytest.raises(ComptoirError, match="The SKU S-1 is already used by another variant."):
        ProductFactory(shop=shop, variants=variants)


def test_variants_without_options_are_refused_with_a_clear_message(shop):
    variants = [VariantInput("S-1", Decimal(1)), VariantInput("S-2", Decimal(2))]

    with pytest.raises(ComptoirError) as error:
        ProductFactory(shop=shop, variants=variants)

    assert str(error.value) == (
        "Variants without options cannot be told apart: give each one a value "
        "of an option such as size or colour."
    )


def test_two_variants_with_the_same_options_are_refused(shop):
    variants = [
        VariantInput("S-1", Decimal(1), {"taille": "M"}),
        VariantInput("S-2", Decimal(2), {"taille": "m"}),
    ]

    with pytest.raises(ComptoirError, match="Two variants have the same options: m."):
        ProductFactory(shop=shop, variants=variants)


def test_a_duplicate_sku_is_refused_and_nothing_is_stored(shop):
    # given
    ProductFactory(shop=shop, sku="TEA-001")
    products_before = Product.objects.count()

    # when
    with pytest.raises(ComptoirError) as error:
        ProductFactory(
            shop=shop,
            variants=[
                VariantInput("NEW-1", Decimal(1), {"taille": "s"}),
                VariantInput(" TEA-001 ", Decimal(1), {"taille": "m"}),
            ],
        )

    # then
    assert str(error.value) == "The SKU TEA-001 is already used by another variant."
    assert Product.objects.count() == products_before
    assert Variant.objects.filter(sku="NEW-1").count() == 0


def test_the_same_sku_is_allowed_in_another_shop(shop):
    ProductFactory(shop=shop, sku="TEA-001")

    other = ProductFactory(shop=ShopFactory(), sku="TEA-001")

    assert other.variants.get().sku == "TEA-001"


def test_a_negative_price_is_refused(shop):
    with pytest.raises(ValidationError):
        ProductFactory(shop=shop, price=Decimal("-1"))


@pytest.mark.parametrize(
    ("translations", "variants", "message"),
    [
        ({}, [VariantInput("X", Decimal(1))], "A product needs a name in at least one language."),
        (
            {"fr": TranslationInput("Nom")},
            [],
            "A product needs at least one variant with a SKU and a price.",
        ),
        (
            {"fr": TranslationInput("  ")},
            [VariantInput("X", Decimal(1))],
            "The product name in fr is empty.",
        ),
    ],
)
def test_a_product_needs_a_name_and_a_variant(shop, translations, variants, message):
    with pytest.raises(ComptoirError) as error:
        services.create_product(shop, translations=translations, variants=variants)

    assert str(error.value) == message
    assert Product.objects.count() == 0


def test_a_category_of_another_shop_is_refused(shop):
    foreign = CategoryFactory(shop=ShopFactory())

    with pytest.raises(ComptoirError, match="The category belongs to another shop."):
        ProductFactory(shop=shop, category=foreign)


def test_listing_fields_follow_the_variants(shop):
    # when
    product = ProductFactory(shop=shop, variants=coffee_variants())

    # then
    product.refresh_from_db()
    assert (product.min_price, product.max_price) == (Decimal("8.50"), Decimal("29.91"))
    assert product.in_stock is True


@pytest.mark.parametrize(
    ("variants", "backorder", "in_stock"),
    [
        ([VariantInput("Z-1", Decimal(1), stock_quantity=0)], False, False),
        ([VariantInput("Z-1", Decimal(1), stock_quantity=-2)], False, False),
        ([VariantInput("Z-1", Decimal(1), stock_quantity=0)], True, True),
        ([VariantInput("Z-1", Decimal(1), stock_quantity=0, track_stock=False)], False, True),
        (
            [
                VariantInput("Z-1", Decimal(1), stock_quantity=0),
                VariantInput("Z-2", Decimal(1), {"t": "b"}, stock_quantity=1),
            ],
            False,
            True,
        ),
    ],
)
def test_in_stock_is_denormalised(shop, variants, backorder, in_stock):
    if len(variants) > 1:
        variants[0].options = {"t": "a"}

    product = ProductFactory(shop=shop, variants=variants, allow_backorder=backorder)

    assert Product.objects.get(pk=product.pk).in_stock is in_stock


def test_listing_fields_are_recomputed_after_a_variant_change(shop):
    # given
    product = ProductFactory(shop=shop, variants=coffee_variants())

    # when: the back office sells out the two stocked variants and lowers a price
    Variant.objects.filter(product=product).update(stock_quantity=0)
    Variant.objects.filter(sku="CAF-1K-G").update(price=Decimal("5.00"))
    services.product_changed(product)

    # then
    product.refresh_from_db()
    assert (product.min_price, product.max_price, product.in_stock) == (
        Decimal("5.00"),
        Decimal("8.50"),
        False,
    )


def _version(shop):
    shop.refresh_from_db(fields=["catalog_version"])
    return shop.catalog_version


def test_every_catalog_change_bumps_the_catalog_version(shop):
    # given
    versions = [_version(shop)]

    # when / then: each use case moves the version on by at least one
    category = CategoryFactory(shop=shop)
    versions.append(_version(shop))
    product = ProductFactory(shop=shop, category=category)
    versions.append(_version(shop))
    services.set_product_status(product, status=ProductStatus.ARCHIVED)
    versions.append(_version(shop))
    services.product_changed(product)
    versions.append(_version(shop))

    assert versions == sorted(set(versions))
    assert len(versions) == 5


def test_a_change_in_one_shop_leaves_the_others_version_alone(shop):
    other = ShopFactory()
    before = _version(other)

    ProductFactory(shop=shop)

    assert _version(other) == before


def test_set_product_status_publishes_once_and_refuses_unknown_statuses(shop):
    # given
    product = ProductFactory(shop=shop, status=ProductStatus.DRAFT)
    assert product.published_at is None

    # when
    services.set_product_status(product, status=ProductStatus.ACTIVE)
    published = Product.objects.get(pk=product.pk).published_at
    services.set_product_status(product, status=ProductStatus.ARCHIVED)
    services.set_product_status(product, status=ProductStatus.ACTIVE)

    # then
    assert published is not None
    assert Product.objects.get(pk=product.pk).published_at == published
    with pytest.raises(ComptoirError, match="Unknown status 'sold'."):
        services.set_product_status(product, status="sold")


def _tree(shop):
    teas = CategoryFactory(shop=shop, name="Thés")
    green = CategoryFactory(shop=shop, name="Thés verts", parent=teas)
    japan = CategoryFactory(shop=shop, name="Japon", parent=green)
    coffees = CategoryFactory(shop=shop, name="Cafés")
    return teas, green, japan, coffees


def _paths(*categories):
    return [
        (c.path, c.depth)
        for c in Category.objects.filter(pk__in=[c.pk for c in categories]).order_by("depth", "pk")
    ]


def test_categories_keep_a_materialised_path(shop):
    teas, green, japan, coffees = _tree(shop)

    assert _paths(teas, green, japan, coffees) == [
        (f"/{teas.pk}/", 0),
        (f"/{coffees.pk}/", 0),
        (f"/{teas.pk}/{green.pk}/", 1),
        (f"/{teas.pk}/{green.pk}/{japan.pk}/", 2),
    ]


def test_moving_a_category_moves_its_whole_subtree(shop):
    # given
    teas, green, japan, coffees = _tree(shop)

    # when: the back office gives "Thés verts" a new parent
    green.parent = coffees
    green.save()
    services.update_category_path(green)

    # then
    assert _paths(green, japan) == [
        (f"/{coffees.pk}/{green.pk}/", 1),
        (f"/{coffees.pk}/{green.pk}/{japan.pk}/", 2),
    ]
    assert Category.objects.get(pk=teas.pk).path == f"/{teas.pk}/"


def test_moving_a_category_to_the_root(shop):
    teas, green, japan, _ = _tree(shop)

    green.parent = None
    green.save()
    services.update_category_path(green)

    assert _paths(green, japan) == [(f"/{green.pk}/", 0), (f"/{green.pk}/{japan.pk}/", 1)]


def test_a_category_cannot_move_inside_its_own_subtree(shop):
    teas, green, japan, _ = _tree(shop)
    teas.parent = Category.objects.get(pk=japan.pk)

    with pytest.raises(ComptoirError, match="cannot be placed inside its own subtree"):
        services.update_category_path(teas)

    assert Category.objects.get(pk=japan.pk).path == f"/{teas.pk}/{green.pk}/{japan.pk}/"


def test_a_parent_category_of_another_shop_is_refused(shop):
    foreign = CategoryFactory(shop=ShopFactory())

    with pytest.raises(ComptoirError, match="The parent category belongs to another shop."):
        CategoryFactory(shop=shop, parent=foreign)


def test_category_slugs_are_unique_per_shop_and_language(shop):
    first = CategoryFactory(shop=shop, name="Accessoires")
    second = CategoryFactory(shop=shop, name="Accessoires")

    assert first.translation("fr").slug == "accessoires"
    assert second.translation("fr").slug == "accessoires-2"


def test_search_text_is_written_for_every_language(shop):
    product = ProductFactory(shop=shop, name="Thé Rooibos à l'Orange", name_en="Rooibos tea")

    rows = dict(
        ProductTranslation.objects.filter(product=product).values_list("language", "search_name")
    )

    assert rows == {"fr": "the rooibos a l orange", "en": "rooibos tea"}


def test_slugs_spell_out_ligatures(shop):
    product = ProductFactory(shop=shop, name="Œufs de caille", name_en="Quail eggs")

    assert product.translation("fr").slug == "oeufs-de-caille"
