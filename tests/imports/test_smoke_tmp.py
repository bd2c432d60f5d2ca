from pathlib import Path
from comptoir.imports.services import import_products

def test_smoke(shop):
    for name, platform in [("shopify/apparel.csv","shopify"),("shopify/product_template.csv","shopify"),("woocommerce/sample_products.csv","woocommerce"),("prestashop/products_import.csv","prestashop"),("prestashop/combinations_import.csv","prestashop")]:
        with open(Path("../shared/formats")/name, "rb") as f:
            r = import_products(shop, f, platform=platform, keep_valid=True)
        print(name, {k:v for k,v in r.as_dict().items() if k!="issues"})
        for i in r.errors[:8]: print("   ", i)
