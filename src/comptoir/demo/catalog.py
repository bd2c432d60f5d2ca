"""What the demo boutique sells, as plain data: categories, brands, options and products.

Nothing here touches the database: ``plan_products`` turns the hand-written ranges below
into ``ProductPlan`` rows with a seeded ``random.Random``, so the same seed gives the same
shop (names, prices, stock, codes) on every machine; ``comptoir.demo.services`` writes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from comptoir.catalog.models import ProductKind, VatClass
from comptoir.catalog.services import VariantInput, gtin_check_digit
from comptoir.demo import texts
from comptoir.demo.texts import COUNTRIES, Pair, de, le, pick, upper_first

# GS1 prefixes 200-299 are for restricted, in-house numbering: demo codes can never clash
# with a real product scanned at a till.
GTIN_PREFIX = "299"


@dataclass(frozen=True)
class CategoryPlan:
    key: str
    name: Pair
    description: Pair
    parent: str | None = None
    colour: str = "#7a8f5c"  # the background of the pictures of its products


CATEGORIES = (
    CategoryPlan(
        "thes",
        ("Thés", "Teas"),
        (
            "Thés de jardin, sélectionnés récolte après récolte.",
            "Garden teas, chosen harvest after harvest.",
        ),
        colour="#6f8f4e",
    ),
    CategoryPlan(
        "the-vert",
        ("Thé vert", "Green tea"),
        (
            "Japon, Chine et ailleurs : la fraîcheur des feuilles non oxydées.",
            "Japan, China and beyond: the freshness of unoxidised leaves.",
        ),
        parent="thes",
        colour="#7fa65a",
    ),
    CategoryPlan(
        "the-noir",
        ("Thé noir", "Black tea"),
        (
            "Darjeeling, Assam, Ceylan et grands mélanges.",
            "Darjeeling, Assam, Ceylon and the great blends.",
        ),
        parent="thes",
        colour="#8c4f3a",
    ),
    CategoryPlan(
        "oolong",
        ("Oolong", "Oolong"),
        (
            "Les thés semi-oxydés de Taïwan et du Fujian.",
            "Semi-oxidised teas from Taiwan and Fujian.",
        ),
        parent="thes",
        colour="#b0824a",
    ),
    CategoryPlan(
        "infusions",
        ("Infusions", "Herbal infusions"),
        ("Plantes, fleurs et fruits, sans théine.", "Herbs, flowers and fruit, caffeine-free."),
        parent="thes",
        colour="#b4647a",
    ),
    CategoryPlan(
        "cafes",
        ("Cafés", "Coffees"),
        ("Cafés de spécialité torréfiés chaque semaine.", "Speciality coffee roasted every week."),
        colour="#5b3b2e",
    ),
    CategoryPlan(
        "grains",
        ("Café en grains", "Whole beans"),
        ("Pour moudre au dernier moment.", "To grind at the very last moment."),
        parent="cafes",
        colour="#6b4532",
    ),
    CategoryPlan(
        "moulu",
        ("Café moulu", "Ground coffee"),
        (
            "Moulu pour l'espresso ou le filtre, à la commande.",
            "Ground for espresso or filter, to order.",
        ),
        parent="cafes",
        colour="#8a5a3c",
    ),
    CategoryPlan(
        "capsules",
        ("Capsules", "Capsules"),
        (
            "Capsules compostables, remplies de nos cafés.",
            "Compostable capsules filled with our coffees.",
        ),
        parent="cafes",
        colour="#4e3d4f",
    ),
    CategoryPlan(
        "accessoires",
        ("Accessoires", "Accessories"),
        ("Tout pour bien infuser et bien extraire.", "Everything to brew tea and coffee well."),
        colour="#4d6473",
    ),
    CategoryPlan(
        "theieres",
        ("Théières", "Teapots"),
        ("Fonte, grès, porcelaine et verre.", "Cast iron, stoneware, porcelain, glass."),
        parent="accessoires",
        colour="#3f5f6e",
    ),
    CategoryPlan(
        "tasses",
        ("Tasses & bols", "Cups & bowls"),
        ("Pour chaque boisson, la bonne tasse.", "The right cup for every drink."),
        parent="accessoires",
        colour="#5f7a8a",
    ),
    CategoryPlan(
        "moulins",
        ("Moulins", "Grinders"),
        ("Manuels ou électriques, à meules.", "Manual or electric, burr grinders."),
        parent="accessoires",
        colour="#55595e",
    ),
    CategoryPlan(
        "coffrets",
        ("Coffrets cadeaux", "Gift boxes"),
        ("Des assortiments prêts à offrir.", "Ready-to-give assortments."),
        colour="#a23b3b",
    ),
    CategoryPlan(
        "ateliers",
        ("Ateliers & guides", "Workshops & guides"),
        (
            "Apprendre à déguster, chez nous ou chez vous.",
            "Learn to taste, in our shop or at home.",
        ),
        colour="#2f5d50",
    ),
)

BRANDS = {
    "maison": "Maison Brume",
    "kaira": "Jardins de Kaïra",
    "brumes": "Domaine des Hautes Brumes",
    "pagode": "Thés de la Pagode Bleue",
    "ardoise": "Torréfaction Ardoise",
    "sillon": "Café Sillon",
    "gres": "Atelier Grès & Feu",
    "perrin": "Moulins Perrin-Vasseur",
}


@dataclass(frozen=True)
class OptionPlan:
    code: str
    labels: Pair
    values: tuple[tuple[str, Pair], ...]


OPTIONS = (
    OptionPlan(
        "poids",
        ("Poids", "Weight"),
        (
            ("100-g", ("100 g", "100 g")),
            ("250-g", ("250 g", "250 g")),
            ("1-kg", ("1 kg", "1 kg")),
        ),
    ),
    OptionPlan(
        "mouture",
        ("Mouture", "Grind"),
        (
            ("grains", ("Grains", "Whole beans")),
            ("moulu-espresso", ("Moulu espresso", "Ground for espresso")),
            ("moulu-filtre", ("Moulu filtre", "Ground for filter")),
        ),
    ),
    OptionPlan(
        "couleur",
        ("Couleur", "Colour"),
        (
            ("noir", ("Noir", "Black")),
            ("blanc", ("Blanc", "White")),
            ("celadon", ("Céladon", "Celadon")),
            ("rouge-brique", ("Rouge brique", "Brick red")),
            ("bleu-nuit", ("Bleu nuit", "Midnight blue")),
            ("sable", ("Sable", "Sand")),
        ),
    ),
)
COLOUR_HEX = {
    "noir": "#2b2b2b",
    "blanc": "#f3f0ea",
    "celadon": "#a8c3a0",
    "rouge-brique": "#a4452c",
    "bleu-nuit": "#243a5e",
    "sable": "#d8c29d",
}

TAGS = {
    "bio": "Bio",
    "nouveau": "Nouveauté",
    "best": "Meilleure vente",
    "sans-theine": "Sans théine",
    "fume": "Fumé",
    "primeur": "Primeur",
    "equitable": "Commerce équitable",
    "cadeau": "Idée cadeau",
    "limite": "Édition limitée",
    "decafeine": "Décaféiné",
}


@dataclass
class ProductPlan:
    key: str
    category: str
    name: Pair
    description: Pair
    variants: list[VariantInput]
    brand: str
    vat_class: str
    kind: str = ProductKind.PHYSICAL
    tags: list[str] = field(default_factory=list)
    is_featured: bool = False
    allow_backorder: bool = False
    motif: str = "tin"  # what the picture shows, see comptoir.demo.pictures
    colour: str = "#7a8f5c"
    images: int = 1

    @property
    def initials(self) -> str:
        words = [w for w in self.name[0].replace("&", " ").split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper()


# --- the ranges -----------------------------------------------------------------------------
# (fr name, en name, country, region, brand, specific notes, tags)
Tea = tuple[str, str, str, str, str, tuple[Pair, ...], tuple[str, ...]]

GREEN_TEAS: tuple[Tea, ...] = (
    ("Sencha", "Sencha", "japon", "Shizuoka", "kaira", (("algue marine", "sea spray"),), ()),
    ("Gyokuro", "Gyokuro", "japon", "Uji", "kaira", (("umami", "umami"),), ("primeur",)),
    ("Kabusecha", "Kabusecha", "japon", "Kagoshima", "kaira", (), ()),
    (
        "Genmaicha",
        "Genmaicha",
        "japon",
        "Shizuoka",
        "kaira",
        (("riz soufflé", "toasted rice"),),
        (),
    ),
    (
        "Hojicha",
        "Hojicha",
        "japon",
        "Kyoto",
        "kaira",
        (("noisette grillée", "toasted hazelnut"),),
        (),
    ),
    ("Matcha", "Matcha", "japon", "Nishio", "kaira", (("crème fraîche", "fresh cream"),), ()),
    ("Bancha", "Bancha", "japon", "Shizuoka", "kaira", (), ()),
    ("Kukicha", "Kukicha", "japon", "Kagoshima", "kaira", (), ()),
    (
        "Long Jing",
        "Long Jing (Dragon Well)",
        "chine",
        "Hangzhou",
        "pagode",
        (("châtaigne", "chestnut"),),
        ("primeur",),
    ),
    (
        "Bi Luo Chun",
        "Bi Luo Chun",
        "chine",
        "Dongting",
        "pagode",
        (("fleur de pêcher", "peach blossom"),),
        (),
    ),
    ("Gunpowder", "Gunpowder", "chine", "Zhejiang", "pagode", (), ()),
    ("Huang Shan Mao Feng", "Huang Shan Mao Feng", "chine", "Anhui", "pagode", (), ()),
    ("Tai Ping Hou Kui", "Tai Ping Hou Kui", "chine", "Anhui", "pagode", (), ("limite",)),
    (
        "Thé vert au jasmin",
        "Jasmine green tea",
        "chine",
        "Fujian",
        "pagode",
        (("jasmin", "jasmine"),),
        (),
    ),
    (
        "Thé vert à la menthe",
        "Mint green tea",
        "chine",
        "Zhejiang",
        "maison",
        (("menthe nanah", "nanah mint"),),
        ("best",),
    ),
    (
        "Thé vert agrumes",
        "Citrus green tea",
        "chine",
        "Zhejiang",
        "maison",
        (("yuzu", "yuzu"),),
        (),
    ),
    (
        "Thé vert fleur de cerisier",
        "Cherry blossom green tea",
        "japon",
        "Shizuoka",
        "maison",
        (("cerise", "cherry"),),
        ("nouveau",),
    ),
    ("Vert du Vietnam Tra Xanh", "Vietnamese Tra Xanh", "vietnam", "Thai Nguyen", "brumes", (), ()),
    ("Darjeeling vert", "Green Darjeeling", "inde", "Darjeeling", "brumes", (), ()),
    (
        "Thé vert gingembre citron",
        "Ginger lemon green tea",
        "chine",
        "Zhejiang",
        "maison",
        (("gingembre", "ginger"),),
        (),
    ),
)
BLACK_TEAS: tuple[Tea, ...] = (
    (
        "Darjeeling First Flush",
        "Darjeeling First Flush",
        "inde",
        "Darjeeling",
        "brumes",
        (("raisin muscat", "muscatel grape"),),
        ("primeur",),
    ),
    (
        "Darjeeling Second Flush",
        "Darjeeling Second Flush",
        "inde",
        "Darjeeling",
        "brumes",
        (("raisin muscat", "muscatel grape"),),
        (),
    ),
    ("Assam Mokalbari", "Assam Mokalbari", "inde", "Assam", "brumes", (("malt", "malt"),), ()),
    ("Nilgiri", "Nilgiri", "inde", "Nilgiri", "brumes", (), ()),
    ("Ceylan Uva", "Ceylon Uva", "sri-lanka", "Uva", "brumes", (), ()),
    ("Ceylan Nuwara Eliya", "Ceylon Nuwara Eliya", "sri-lanka", "Nuwara Eliya", "brumes", (), ()),
    ("Kenya Milima", "Kenya Milima", "kenya", "Kericho", "brumes", (), ("equitable",)),
    (
        "Yunnan Dian Hong",
        "Yunnan Dian Hong",
        "chine",
        "Yunnan",
        "pagode",
        (("patate douce", "sweet potato"),),
        (),
    ),
    ("Keemun", "Keemun", "chine", "Anhui", "pagode", (), ()),
    (
        "Lapsang Souchong",
        "Lapsang Souchong",
        "chine",
        "Fujian",
        "pagode",
        (("feu de bois", "wood smoke"),),
        ("fume",),
    ),
    ("Jin Jun Mei", "Jin Jun Mei", "chine", "Wuyi", "pagode", (), ("limite",)),
    ("Népal Ilam", "Nepal Ilam", "nepal", "Ilam", "brumes", (), ()),
    (
        "Earl Grey",
        "Earl Grey",
        "sri-lanka",
        "Dimbula",
        "maison",
        (("bergamote", "bergamot"),),
        ("best",),
    ),
    ("English Breakfast", "English Breakfast", "inde", "Assam", "maison", (), ()),
    (
        "Thé noir chaï épicé",
        "Spiced chai black tea",
        "inde",
        "Assam",
        "maison",
        (("cardamome", "cardamom"),),
        (),
    ),
    (
        "Thé noir caramel",
        "Caramel black tea",
        "sri-lanka",
        "Dimbula",
        "maison",
        (("caramel", "caramel"),),
        (),
    ),
    (
        "Thé noir vanille",
        "Vanilla black tea",
        "sri-lanka",
        "Dimbula",
        "maison",
        (("vanille", "vanilla"),),
        (),
    ),
    (
        "Thé noir marron glacé",
        "Candied chestnut black tea",
        "chine",
        "Yunnan",
        "maison",
        (("marron glacé", "candied chestnut"),),
        ("cadeau",),
    ),
    (
        "Thé russe aux agrumes",
        "Russian citrus blend",
        "chine",
        "Keemun",
        "maison",
        (("agrumes", "citrus"),),
        (),
    ),
    (
        "Thé noir fruits rouges",
        "Red berry black tea",
        "sri-lanka",
        "Uva",
        "maison",
        (("fruits rouges", "red berries"),),
        (),
    ),
)
OOLONGS: tuple[Tea, ...] = (
    ("Tie Guan Yin", "Tie Guan Yin", "chine", "Anxi", "pagode", (), ()),
    ("Dong Ding", "Dong Ding", "taiwan", "Nantou", "pagode", (), ()),
    (
        "Beauté orientale",
        "Oriental Beauty",
        "taiwan",
        "Hsinchu",
        "pagode",
        (("miel de fleurs", "wildflower honey"),),
        ("limite",),
    ),
    (
        "Da Hong Pao",
        "Da Hong Pao",
        "chine",
        "Wuyi",
        "pagode",
        (("bois torréfié", "roasted wood"),),
        (),
    ),
    (
        "Oolong lacté Jin Xuan",
        "Milky Oolong Jin Xuan",
        "taiwan",
        "Alishan",
        "pagode",
        (("lait chaud", "warm milk"),),
        ("best",),
    ),
    ("Alishan", "Alishan", "taiwan", "Alishan", "pagode", (), ()),
    ("Shui Xian", "Shui Xian", "chine", "Wuyi", "pagode", (), ()),
    ("Rou Gui", "Rou Gui", "chine", "Wuyi", "pagode", (("cannelle", "cinnamon"),), ()),
    ("Dan Cong Mi Lan Xiang", "Dan Cong Honey Orchid", "chine", "Phoenix", "pagode", (), ()),
    ("Bao Zhong", "Bao Zhong", "taiwan", "Pinglin", "pagode", (("lilas", "lilac"),), ()),
)
INFUSIONS: tuple[Tea, ...] = (
    (
        "Rooibos nature",
        "Plain rooibos",
        "afrique-du-sud",
        "Cederberg",
        "maison",
        (("miel", "honey"),),
        ("sans-theine",),
    ),
    (
        "Rooibos vanille",
        "Vanilla rooibos",
        "afrique-du-sud",
        "Cederberg",
        "maison",
        (("vanille douce", "soft vanilla"),),
        ("sans-theine", "best"),
    ),
    (
        "Rooibos agrumes",
        "Citrus rooibos",
        "afrique-du-sud",
        "Cederberg",
        "maison",
        (("orange", "orange"),),
        ("sans-theine",),
    ),
    (
        "Rooibos chaï",
        "Chai rooibos",
        "afrique-du-sud",
        "Cederberg",
        "maison",
        (("cannelle", "cinnamon"),),
        ("sans-theine",),
    ),
    ("Honeybush", "Honeybush", "afrique-du-sud", "Langkloof", "maison", (), ("sans-theine",)),
    (
        "Verveine citronnée",
        "Lemon verbena",
        "france",
        "Drôme",
        "maison",
        (("zeste de citron", "lemon zest"),),
        ("sans-theine", "bio"),
    ),
    (
        "Camomille romaine",
        "Roman chamomile",
        "france",
        "Anjou",
        "maison",
        (("pomme cuite", "baked apple"),),
        ("sans-theine",),
    ),
    (
        "Tilleul des Baronnies",
        "Baronnies linden",
        "france",
        "Baronnies",
        "maison",
        (("fleurs des champs", "meadow flowers"),),
        ("sans-theine",),
    ),
    (
        "Menthe poivrée",
        "Peppermint",
        "france",
        "Milly-la-Forêt",
        "maison",
        (("menthe fraîche", "fresh mint"),),
        ("sans-theine", "bio"),
    ),
    (
        "Hibiscus & fruits rouges",
        "Hibiscus & red berries",
        "egypte",
        "Assouan",
        "maison",
        (("fruits rouges", "red berries"),),
        ("sans-theine",),
    ),
    (
        "Gingembre citron",
        "Ginger lemon",
        "france",
        "Provence",
        "maison",
        (("gingembre", "ginger"),),
        ("sans-theine",),
    ),
    (
        "Nuit calme",
        "Quiet night",
        "france",
        "Provence",
        "maison",
        (("lavande", "lavender"),),
        ("sans-theine", "best"),
    ),
    (
        "Tisane digestive",
        "After-dinner blend",
        "france",
        "Provence",
        "maison",
        (("fenouil", "fennel"),),
        ("sans-theine",),
    ),
    ("Fleurs de sureau", "Elderflower", "france", "Anjou", "maison", (), ("sans-theine",)),
    ("Mélisse", "Lemon balm", "france", "Drôme", "maison", (), ("sans-theine", "bio")),
    (
        "Pomme cannelle",
        "Apple cinnamon",
        "france",
        "Anjou",
        "maison",
        (("cannelle", "cinnamon"),),
        ("sans-theine", "cadeau"),
    ),
    (
        "Fruits des bois",
        "Forest fruits",
        "france",
        "Vosges",
        "maison",
        (("mûre", "blackberry"),),
        ("sans-theine",),
    ),
    (
        "Lavande camomille",
        "Lavender chamomile",
        "france",
        "Provence",
        "maison",
        (("lavande", "lavender"),),
        ("sans-theine",),
    ),
)
# (fr pattern, en pattern, tag): "Sencha grand cru", "Organic Sencha"
Qualifier = tuple[str, str, str | None]
ORGANIC: Qualifier = ("{} bio", "Organic {}", "bio")
GARDEN_QUALIFIERS: tuple[Qualifier, ...] = (
    ORGANIC,
    ("{} grand cru", "{} Grand Cru", None),
    ("{} récolte de printemps", "{} Spring Harvest", "primeur"),
    ("{} réserve du jardin", "{} Garden Reserve", "limite"),
    ("{} d'altitude", "High-Mountain {}", None),
)
WILD: Qualifier = ("{} de cueillette sauvage", "Wild-harvested {}", None)


def _qualifiers(family_key: str, base: Tea) -> tuple[Qualifier, ...]:
    """A blend made in-house has no garden or harvest to boast of; it can only be organic."""
    if family_key == "infusion":
        return (ORGANIC, WILD)
    return GARDEN_QUALIFIERS if base[4] != "maison" else (ORGANIC,)


# (country, region, varieties, process, altitude range, farms)
COFFEE_ORIGINS = (
    (
        "ethiopie",
        "Yirgacheffe",
        "Heirloom",
        "lave",
        (1900, 2200),
        ("la coopérative Konga", "la station de Chelchele"),
    ),
    (
        "ethiopie",
        "Guji",
        "Heirloom",
        "nature",
        (1950, 2300),
        ("la station de Hambela", "la famille Dube"),
    ),
    ("ethiopie", "Sidamo", "Heirloom", "lave", (1800, 2100), ("la coopérative Bensa",)),
    ("kenya", "Nyeri", "SL28", "lave", (1700, 1900), ("la coopérative Gichathaini",)),
    (
        "colombie",
        "Huila",
        "Caturra",
        "lave",
        (1600, 1900),
        ("la Finca El Mirador", "la Finca La Esperanza"),
    ),
    ("colombie", "Nariño", "Castillo", "honey", (1900, 2200), ("la Finca Los Alpes",)),
    (
        "bresil",
        "Cerrado",
        "Mundo Novo",
        "nature",
        (1000, 1200),
        ("la Fazenda Santa Inês", "la Fazenda Boa Vista"),
    ),
    (
        "bresil",
        "Sul de Minas",
        "Yellow Bourbon",
        "nature",
        (1100, 1300),
        ("la Fazenda Serra Negra",),
    ),
    (
        "guatemala",
        "Huehuetenango",
        "Bourbon",
        "lave",
        (1600, 1900),
        ("la Finca El Injerto", "la coopérative Todosanterita"),
    ),
    ("guatemala", "Antigua", "Caturra", "lave", (1500, 1700), ("la Finca San Sebastián",)),
    ("costa-rica", "Tarrazú", "Catuaí", "honey", (1500, 1900), ("la Finca Don Mayo",)),
    ("perou", "Cajamarca", "Typica", "lave", (1700, 2000), ("la coopérative Cenfrocafe",)),
    ("rwanda", "Nyamasheke", "Red Bourbon", "lave", (1600, 1900), ("la station de Kanzu",)),
    ("burundi", "Kayanza", "Bourbon", "nature", (1700, 1950), ("la station de Ninga",)),
    ("indonesie", "Sumatra", "Typica", "lave", (1200, 1500), ("la coopérative Danau Toba",)),
    ("honduras", "Marcala", "Pacas", "honey", (1400, 1700), ("la Finca El Puente",)),
    ("salvador", "Santa Ana", "Pacamara", "nature", (1500, 1800), ("la Finca Los Pirineos",)),
    ("mexique", "Chiapas", "Typica", "lave", (1300, 1600), ("la coopérative Triunfo Verde",)),
    ("panama", "Boquete", "Geisha", "lave", (1600, 1900), ("la Finca Lérida",)),
)
COFFEE_BLENDS: tuple[Pair, ...] = (
    ("Mélange Maison", "House Blend"),
    ("Espresso Signature", "Signature Espresso"),
    ("Mélange du matin", "Morning Blend"),
    ("Moka d'Harar", "Harar Mocha"),
    ("Décaféiné Colombie", "Colombia Decaf"),
    ("Espresso Velours", "Velvet Espresso"),
)
CAPSULES: tuple[tuple[str, str, int], ...] = (
    ("Ristretto Intenso", "Ristretto Intenso", 11),
    ("Espresso Signature", "Signature Espresso", 9),
    ("Lungo Éthiopie", "Ethiopia Lungo", 6),
    ("Colombie Huila", "Colombia Huila", 7),
    ("Brésil Cerrado", "Brazil Cerrado", 8),
    ("Décaféiné doux", "Gentle Decaf", 5),
    ("Guatemala Huehuetenango", "Guatemala Huehuetenango", 8),
    ("Kenya Nyeri", "Kenya Nyeri", 7),
    ("Sumatra Mandheling", "Sumatra Mandheling", 10),
    ("Mélange Velours", "Velvet Blend", 9),
    ("Vanille gourmande", "Vanilla Treat", 6),
    ("Noisette torréfiée", "Roasted Hazelnut", 7),
    ("Caramel beurre salé", "Salted Butter Caramel", 7),
    ("Ristretto Décaféiné", "Decaf Ristretto", 10),
)

# (fr, en, motif, price range, colours, material (fr, en), capacity)
Accessory = tuple[str, str, tuple[int, int], tuple[str, ...], Pair, str]

TEAPOTS: tuple[Accessory, ...] = (
    (
        "Théière en fonte Tetsubin",
        "Tetsubin cast-iron teapot",
        (69, 129),
        ("noir", "rouge-brique", "bleu-nuit"),
        ("fonte émaillée", "enamelled cast iron"),
        "0,8 L",
    ),
    (
        "Théière en fonte Arare",
        "Arare cast-iron teapot",
        (79, 149),
        ("noir", "celadon"),
        ("fonte émaillée", "enamelled cast iron"),
        "1,2 L",
    ),
    (
        "Théière en grès Kyusu",
        "Kyusu stoneware teapot",
        (39, 69),
        ("sable", "noir"),
        ("grès émaillé", "glazed stoneware"),
        "0,35 L",
    ),
    (
        "Théière en verre Clarté",
        "Clarté glass teapot",
        (29, 45),
        (),
        ("verre borosilicaté", "borosilicate glass"),
        "1 L",
    ),
    (
        "Théière en porcelaine Belle-Île",
        "Belle-Île porcelain teapot",
        (45, 75),
        ("blanc", "bleu-nuit"),
        ("porcelaine de Limoges", "Limoges porcelain"),
        "0,9 L",
    ),
    (
        "Théière Yixing",
        "Yixing clay teapot",
        (89, 139),
        (),
        ("terre de Yixing", "Yixing clay"),
        "0,2 L",
    ),
    (
        "Théière familiale Bistrot",
        "Bistrot family teapot",
        (35, 59),
        ("blanc", "rouge-brique", "sable"),
        ("faïence", "earthenware"),
        "1,5 L",
    ),
    (
        "Gaiwan Céladon",
        "Celadon gaiwan",
        (24, 39),
        (),
        ("porcelaine céladon", "celadon porcelain"),
        "0,15 L",
    ),
    (
        "Théière isotherme Voyage",
        "Voyage thermal teapot",
        (39, 59),
        ("noir", "blanc"),
        ("inox double paroi", "double-walled steel"),
        "0,7 L",
    ),
    (
        "Théière en grès Nuage",
        "Nuage stoneware teapot",
        (49, 79),
        ("celadon", "sable", "blanc"),
        ("grès tourné main", "hand-thrown stoneware"),
        "0,6 L",
    ),
    (
        "Théière à filtre Atelier",
        "Atelier infuser teapot",
        (32, 49),
        ("noir", "blanc"),
        ("porcelaine", "porcelain"),
        "0,8 L",
    ),
    (
        "Théière en fonte Kohaku",
        "Kohaku cast-iron teapot",
        (89, 119),
        (),
        ("fonte émaillée", "enamelled cast iron"),
        "0,6 L",
    ),
)
CUPS: tuple[Accessory, ...] = (
    (
        "Tasse en grès Nuage",
        "Nuage stoneware cup",
        (14, 22),
        ("celadon", "sable", "blanc"),
        ("grès tourné main", "hand-thrown stoneware"),
        "20 cl",
    ),
    (
        "Mug Atelier",
        "Atelier mug",
        (12, 18),
        ("blanc", "noir", "bleu-nuit"),
        ("porcelaine", "porcelain"),
        "35 cl",
    ),
    (
        "Bol à matcha Chawan",
        "Chawan matcha bowl",
        (29, 49),
        ("noir", "celadon"),
        ("grès émaillé", "glazed stoneware"),
        "40 cl",
    ),
    (
        "Verre double paroi",
        "Double-walled glass",
        (9, 16),
        (),
        ("verre borosilicaté", "borosilicate glass"),
        "25 cl",
    ),
    (
        "Tasse à espresso Ristretto",
        "Ristretto espresso cup",
        (9, 14),
        ("blanc", "noir", "rouge-brique"),
        ("porcelaine épaisse", "thick porcelain"),
        "8 cl",
    ),
    (
        "Gobelet Kyoto",
        "Kyoto tea cup",
        (11, 17),
        ("sable", "celadon"),
        ("céramique", "ceramic"),
        "12 cl",
    ),
    (
        "Tasse et soucoupe Belle-Île",
        "Belle-Île cup & saucer",
        (18, 29),
        ("blanc", "bleu-nuit"),
        ("porcelaine de Limoges", "Limoges porcelain"),
        "22 cl",
    ),
    (
        "Tasse cappuccino Dune",
        "Dune cappuccino cup",
        (13, 19),
        ("sable", "blanc"),
        ("porcelaine", "porcelain"),
        "18 cl",
    ),
    (
        "Mug isotherme Balade",
        "Balade travel mug",
        (19, 29),
        ("noir", "bleu-nuit", "celadon"),
        ("inox double paroi", "double-walled steel"),
        "35 cl",
    ),
    (
        "Tasses de dégustation (lot de 4)",
        "Tasting cups (set of 4)",
        (19, 27),
        (),
        ("porcelaine", "porcelain"),
        "5 cl",
    ),
)
GRINDERS: tuple[Accessory, ...] = (
    (
        "Moulin manuel Classique",
        "Classic hand grinder",
        (39, 55),
        (),
        ("bois et fonte", "wood and cast iron"),
        "30 g",
    ),
    (
        "Moulin manuel Précision",
        "Precision hand grinder",
        (119, 169),
        (),
        ("aluminium, meules en acier", "aluminium, steel burrs"),
        "25 g",
    ),
    (
        "Moulin manuel Voyage",
        "Voyage hand grinder",
        (59, 79),
        ("noir",),
        ("inox, meules céramique", "steel, ceramic burrs"),
        "20 g",
    ),
    (
        "Moulin électrique Filtre 40",
        "Filter 40 electric grinder",
        (139, 189),
        ("noir", "blanc"),
        ("meules coniques", "conical burrs"),
        "250 g",
    ),
    (
        "Moulin électrique Espresso 54",
        "Espresso 54 electric grinder",
        (229, 249),
        ("noir",),
        ("meules plates de 54 mm", "54 mm flat burrs"),
        "300 g",
    ),
    (
        "Moulin à épices et café Mini",
        "Mini spice & coffee mill",
        (29, 39),
        (),
        ("céramique et hêtre", "ceramic and beech"),
        "15 g",
    ),
    (
        "Moulin Perrin-Vasseur n°7",
        "Perrin-Vasseur No. 7 grinder",
        (89, 119),
        (),
        ("noyer et laiton", "walnut and brass"),
        "35 g",
    ),
    (
        "Moulin électrique Compact",
        "Compact electric grinder",
        (79, 99),
        ("noir", "blanc"),
        ("meules coniques", "conical burrs"),
        "150 g",
    ),
)

HAND_WASH: Pair = (
    "Lavage à la main, à l'eau claire et sans détergent ; séchez soigneusement après usage.",
    "Hand wash in clear water without detergent, and dry carefully after use.",
)
DISHWASHER: Pair = (
    "Compatible lave-vaisselle, même si un lavage à la main prolonge sa vie.",
    "Dishwasher safe, though washing by hand makes it last longer.",
)
GRINDER_CARE: Pair = (
    "Nettoyez les meules au pinceau sec une fois par mois, jamais à l'eau.",
    "Brush the burrs clean once a month, dry; never wash them with water.",
)
# Materials a dishwasher would ruin: rust, cracks, a seasoned clay losing its patina.
FRAGILE_MATERIALS = ("fonte", "terre", "bois", "noyer", "hêtre", "grès tourné", "inox")
ACCESSORY_OPENINGS: tuple[Pair, ...] = (
    (
        "Dessinée par {brand} et fabriquée en petites séries, cette pièce en {material} "
        "trouvera vite sa place dans votre rituel quotidien.",
        "Designed by {brand} and made in small runs, this piece in {material} will soon find "
        "its place in your daily ritual.",
    ),
    (
        "En {material}, d'une contenance de {capacity}, cette pièce allie une belle prise en main "
        "à une ligne sobre.",
        "Made of {material}, holding {capacity}, it pairs a comfortable grip with a plain, "
        "clean line.",
    ),
    (
        "Nous l'utilisons tous les jours à la boutique : {material}, {capacity}, et un "
        "équilibre parfait.",
        "We use it every day in the shop: {material}, {capacity}, and a perfect balance.",
    ),
)
GRINDER_OPENINGS: tuple[Pair, ...] = (
    (
        "Un moulin fiable, en {material}, qui donne une mouture régulière de l'espresso à la "
        "cafetière à piston. Réservoir de {capacity}.",
        "A dependable grinder in {material}, giving an even grind from espresso to French "
        "press. Holds {capacity}.",
    ),
    (
        "Le réglage fin de la mouture, en {material}, permet de suivre chaque café au plus "
        "près. Capacité : {capacity}.",
        "Fine grind adjustment, in {material}, lets you dial in every coffee. Capacity: "
        "{capacity}.",
    ),
)

GIFT_BOXES: tuple[tuple[Pair, Pair, int], ...] = (
    (
        ("Coffret Découverte des thés verts", "Green tea discovery box"),
        (
            "Six thés verts du Japon et de Chine en boîtes de 25 g, avec un carnet de dégustation.",
            "Six green teas from Japan and China in 25 g tins, with a tasting booklet.",
        ),
        39,
    ),
    (
        ("Coffret Tour du monde des cafés", "Coffee world tour box"),
        (
            "Quatre origines en sachets de 125 g : Éthiopie, Colombie, Guatemala et Sumatra.",
            "Four origins in 125 g bags: Ethiopia, Colombia, Guatemala and Sumatra.",
        ),
        45,
    ),
    (
        ("Coffret Cérémonie du matcha", "Matcha ceremony box"),
        (
            "Un bol Chawan, un fouet en bambou, une cuillère chashaku et 30 g de matcha.",
            "A Chawan bowl, a bamboo whisk, a chashaku scoop and 30 g of matcha.",
        ),
        79,
    ),
    (
        ("Coffret Duo thé & café", "Tea & coffee duo box"),
        (
            "Notre Earl Grey, notre Mélange Maison et deux tasses en grès Nuage.",
            "Our Earl Grey, our House Blend and two Nuage stoneware cups.",
        ),
        59,
    ),
)

SEED = 20250601


def plan_products(seed: int = SEED) -> list[ProductPlan]:
    """The demo catalog: 200 products, identical for a given seed."""
    rng = random.Random(seed)
    colours = {c.key: c.colour for c in CATEGORIES}
    plans: list[ProductPlan] = []
    plans += _teas(rng, "the-vert", "TV", "vert", GREEN_TEAS, 30, (8, 28))
    plans += _teas(rng, "the-noir", "TN", "noir", BLACK_TEAS, 30, (6, 22))
    plans += _teas(rng, "oolong", "TO", "oolong", OOLONGS, 16, (12, 34))
    plans += _teas(rng, "infusions", "IN", "infusion", INFUSIONS, 24, (5, 12))
    plans += _coffees(rng)
    plans += _accessories(rng, "theieres", "teapot", TEAPOTS)
    plans += _accessories(rng, "tasses", "cup", CUPS)
    plans += _accessories(rng, "moulins", "grinder", GRINDERS)
    plans += _gift_boxes(rng)
    plans += _workshops_and_guides()
    for plan in plans:
        plan.colour = colours[plan.category]
    for plan in rng.sample(plans, 14):
        plan.is_featured = True
    for plan in rng.sample(plans, 30):
        plan.images = 2
    # Numbered once everything is planned, so the codes follow the catalog order.
    variants = (variant for plan in plans for variant in plan.variants)
    for number, variant in enumerate(variants, start=1):
        variant.gtin = make_gtin(number)
    return plans


# --- helpers ----------------------------------------------------------------------------------


def make_gtin(number: int) -> str:
    body = f"{GTIN_PREFIX}{number:09d}"
    return f"{body}{gtin_check_digit(body)}"


def _price(value: float | int) -> Decimal:
    """Shop prices end in ,90: 12.4 -> 12.90."""
    return Decimal(int(value)) + Decimal("0.90")


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.22:
        return rng.randint(1, 4)
    return rng.randint(6, 140)


def _compare_at(rng: random.Random, price: Decimal) -> Decimal | None:
    if rng.random() < 0.15:
        return _price(price * Decimal("1.25"))
    return None


def _fill(text: str, **values: str) -> str:
    return text.format(**values)


def _notes_line(
    rng: random.Random, notes: list[Pair], lines: tuple[Pair, ...], **extra: str
) -> Pair:
    (n1f, n1e), (n2f, n2e), (n3f, n3e) = notes[:3]
    fr, en = pick(rng, lines)
    values_fr = {
        "n1": n1f,
        "n2": n2f,
        "n3": n3f,
        "de_n1": de(n1f),
        "de_n2": de(n2f),
        "de_n3": de(n3f),
        "le_n1": le(n1f),
        "le_n2": le(n2f),
        "le_n3": le(n3f),
        **extra,
    }
    return _fill(fr, **values_fr), _fill(en, n1=n1e, n2=n2e, n3=n3e, **extra)


def _teas(
    rng: random.Random,
    category: str,
    prefix: str,
    family_key: str,
    bases: tuple[Tea, ...],
    count: int,
    price_range: tuple[int, int],
) -> list[ProductPlan]:
    family = texts.TEA_FAMILIES[family_key]
    combos: list[tuple[Tea, Qualifier | None]] = [(b, None) for b in bases]
    extra = [(b, q) for b in bases for q in _qualifiers(family_key, b)]
    rng.shuffle(extra)
    combos += extra[: count - len(combos)]
    plans = []
    for index, (base, qualifier) in enumerate(combos, start=1):
        name_fr, name_en, country_key, region, brand, own_notes, tags = base
        tags = list(tags)
        if qualifier:
            words = name_en.split()
            if not qualifier[1].startswith("{}") and len(words) > 1 and words[1].islower():
                name_en = name_en[:1].lower() + name_en[1:]  # "Organic mint green tea"
            name_fr, name_en = qualifier[0].format(name_fr), qualifier[1].format(name_en)
            if qualifier[2] and qualifier[2] not in tags:
                tags.append(qualifier[2])
        pool = list(family.notes)
        rng.shuffle(pool)
        notes = list(own_notes) + [n for n in pool if n not in own_notes]
        description = _tea_description(rng, family, country_key, region, BRANDS[brand], notes)
        base_price = rng.randint(*price_range) + (6 if qualifier else 0)
        weights = [("100-g", 1, 100)] + [("250-g", 2.2, 250)]
        if rng.random() < 0.45:
            weights.append(("1-kg", 7.5, 1000))
        sku_root = f"{prefix}-{index:03d}"
        variants = []
        for code, factor, grams in weights:
            price = _price(base_price * factor)
            variants.append(
                VariantInput(
                    sku=f"{sku_root}-{code.replace('-', '').upper()}",
                    price=price,
                    options={"poids": code},
                    compare_at_price=_compare_at(rng, price),
                    weight_grams=grams + 30,
                    stock_quantity=_stock(rng),
                )
            )
        plans.append(
            ProductPlan(
                key=sku_root,
                category=category,
                name=(name_fr, name_en),
                description=description,
                variants=variants,
                brand=brand,
                vat_class=VatClass.REDUCED,
                tags=tags,
                allow_backorder=rng.random() < 0.08,
                motif="jar" if family_key == "infusion" else "tin",
            )
        )
    return plans


def _tea_description(
    rng: random.Random,
    family: texts.TeaFamily,
    country_key: str,
    region: str,
    brand: str,
    notes: list[Pair],
) -> Pair:
    country = COUNTRIES[country_key]
    opening_fr, opening_en = pick(rng, texts.TEA_OPENINGS)
    e = "e" if family.feminine else ""
    opening_fr = _fill(
        opening_fr,
        This=upper_first(family.this[0]),
        this=family.this[0],
        a=family.a[0],
        Brand=brand,
        le="la" if family.feminine else "le",
        e=e,
        region=region,
        de_region=de(region),
        in_country=country.in_fr,
        country_fr=country.fr,
    )
    opening_en = _fill(
        opening_en,
        This=upper_first(family.this[1]),
        this=family.this[1],
        a=family.a[1],
        Brand=brand,
        region=region,
        country=country.en,
    )
    notes_fr, notes_en = _notes_line(rng, notes, texts.TEA_NOTE_LINES)
    moment_fr, moment_en = pick(rng, family.moments)
    tip_fr, tip_en = pick(rng, texts.TEA_TIPS)
    fr = (
        f"<p>{opening_fr}</p><p>{notes_fr} {moment_fr}</p>"
        f"<h3>Préparation</h3><ul><li>Dosage : {family.grams} pour 20 cl</li>"
        f"<li>Eau : {family.water}</li><li>Infusion : {family.minutes}</li></ul>"
        f"<p><em>{tip_fr}</em></p><p><small>{texts.STORAGE[0]}</small></p>"
    )
    en = (
        f"<p>{opening_en}</p><p>{notes_en} {moment_en}</p>"
        f"<h3>How to brew</h3><ul><li>Dose: {family.grams.replace(',', '.')} per 200 ml</li>"
        f"<li>Water: {family.water}</li><li>Steep: {family.minutes}</li></ul>"
        f"<p><em>{tip_en}</em></p><p><small>{texts.STORAGE[1]}</small></p>"
    )
    return fr, en


def _coffee_description(
    rng: random.Random, origin: tuple, farm: str, roast: str, method: str
) -> Pair:
    country_key, region, variety, process, altitudes, _ = origin
    country = COUNTRIES[country_key]
    altitude = str(rng.randrange(altitudes[0], altitudes[1] + 1, 50))
    farm_en = _farm_en(farm)
    opening_fr, opening_en = pick(rng, texts.COFFEE_OPENINGS)
    opening_fr = _fill(
        opening_fr,
        altitude=altitude,
        in_place=f"dans la région {de(region)}, {country.in_fr}",
        farm=farm,
        variety=variety,
        de_region=de(region),
        Region=region,
        country_fr=country.fr,
    )
    opening_en = _fill(
        opening_en,
        altitude=altitude,
        in_place_en=f"in the {region} region of {country.en}",
        farm=farm_en,
        variety=variety,
        region=region,
        country=country.en,
    )
    opening_fr = upper_first(opening_fr)
    opening_en = upper_first(opening_en)
    notes = list(texts.COFFEE_NOTES)
    rng.shuffle(notes)
    body_fr, body_en = pick(rng, texts.BODIES)
    notes_fr, notes_en = _notes_line(
        rng, notes, texts.COFFEE_NOTE_LINES, body_fr=body_fr, body_en=body_en
    )
    process_fr, process_en = texts.PROCESSES[process]
    roast_fr, roast_en = texts.ROASTS[roast]
    method_lines = texts.COFFEE_METHODS[method]
    tip_fr, tip_en = pick(rng, texts.COFFEE_TIPS)
    fr = (
        f"<p>{opening_fr}</p><p>{notes_fr}</p>"
        f'<table><tbody><tr><th scope="row">Procédé</th><td>{process_fr}</td></tr>'
        f'<tr><th scope="row">Torréfaction</th><td>{roast_fr}</td></tr></tbody></table>'
        f"<h3>Nos conseils</h3><ul>{''.join(f'<li>{m[0]}</li>' for m in method_lines)}</ul>"
        f"<p><em>{tip_fr}</em></p>"
    )
    en = (
        f"<p>{opening_en}</p><p>{notes_en}</p>"
        f'<table><tbody><tr><th scope="row">Process</th><td>{process_en}</td></tr>'
        f'<tr><th scope="row">Roast</th><td>{roast_en}</td></tr></tbody></table>'
        f"<h3>Brewing tips</h3><ul>{''.join(f'<li>{m[1]}</li>' for m in method_lines)}</ul>"
        f"<p><em>{tip_en}</em></p>"
    )
    return fr, en


# French farm prefix -> (English pattern, whether the short name keeps the prefix word)
FARM_KINDS = {
    "la coopérative ": "the {} cooperative",
    "la station de ": "the {} washing station",
    "la famille ": "the {} family",
    "la Finca ": "Finca {}",
    "la Fazenda ": "Fazenda {}",
}


def _farm_en(farm: str) -> str:
    for prefix, pattern in FARM_KINDS.items():
        if farm.startswith(prefix):
            return pattern.format(farm[len(prefix) :])
    return farm


def _farm_short(farm: str) -> str:
    for prefix in FARM_KINDS:
        if farm.startswith(prefix):
            return farm[len(prefix) :]
    return farm


def _coffees(rng: random.Random) -> list[ProductPlan]:
    singles = [(origin, farm) for origin in COFFEE_ORIGINS for farm in origin[5]]
    rng.shuffle(singles)
    plans: list[ProductPlan] = []
    # Whole beans: every single origin once, then the blends.
    grains = singles[:22]
    for index, (origin, farm) in enumerate(grains, start=1):
        name = _coffee_name(origin, farm)
        plans.append(_coffee_plan(rng, "grains", f"CG-{index:03d}", name, origin, farm))
    for index, blend in enumerate(COFFEE_BLENDS, start=len(grains) + 1):
        origin = rng.choice(COFFEE_ORIGINS[:12])
        plans.append(
            _coffee_plan(
                rng, "grains", f"CG-{index:03d}", blend, origin, rng.choice(origin[5]), blend=True
            )
        )
    # Ground: the remaining single origins, then a few favourites ground for espresso/filter.
    ground = singles[22:] + singles[: 20 - len(singles[22:])]
    for index, (origin, farm) in enumerate(ground, start=1):
        name_fr, name_en = _coffee_name(origin, farm)
        name = (f"{name_fr} moulu", f"Ground {name_en}")
        plans.append(_coffee_plan(rng, "moulu", f"CM-{index:03d}", name, origin, farm))
    for index, (name_fr, name_en, intensity) in enumerate(CAPSULES, start=1):
        origin = rng.choice(COFFEE_ORIGINS)
        description = _coffee_description(rng, origin, rng.choice(origin[5]), "foncee", "espresso")
        extra_fr = (
            f"<p>Boîte de 10 capsules compostables, intensité {intensity}/12, "
            "compatibles avec la plupart des machines à capsules.</p>"
        )
        extra_en = (
            f"<p>Box of 10 compostable capsules, intensity {intensity}/12, fitting "
            "most capsule machines.</p>"
        )
        price = _price(rng.choice((3, 3, 4, 4, 5)))
        plans.append(
            ProductPlan(
                key=f"CC-{index:03d}",
                category="capsules",
                name=(f"Capsules {name_fr}", f"{name_en} capsules"),
                description=(extra_fr + description[0], extra_en + description[1]),
                variants=[
                    VariantInput(
                        sku=f"CC-{index:03d}",
                        price=price,
                        compare_at_price=_compare_at(rng, price),
                        weight_grams=70,
                        stock_quantity=_stock(rng),
                    )
                ],
                brand="sillon",
                vat_class=VatClass.REDUCED,
                motif="capsules",
                tags=["decafeine"] if "caf" in name_fr.lower() else [],
            )
        )
    return plans


def _coffee_name(origin: tuple, farm: str) -> Pair:
    country = COUNTRIES[origin[0]]
    suffix = f" · {_farm_short(farm)}"
    return (f"{country.fr} {origin[1]}{suffix}", f"{country.en} {origin[1]}{suffix}")


def _coffee_plan(
    rng: random.Random,
    category: str,
    sku_root: str,
    name: Pair,
    origin: tuple,
    farm: str,
    *,
    blend: bool = False,
) -> ProductPlan:
    roast = rng.choice(("claire", "moyenne", "foncee") if not blend else ("moyenne", "foncee"))
    method = "espresso" if roast == "foncee" else "filtre"
    description = _coffee_description(rng, origin, farm, roast, method)
    if blend:
        intro = (
            "<p>Un assemblage de saison, pensé pour être généreux et régulier d'un paquet "
            "à l'autre.</p>",
            "<p>A seasonal blend, built to be generous and consistent bag after bag.</p>",
        )
        description = (intro[0] + description[0], intro[1] + description[1])
    base = rng.randint(9, 17) + (18 if origin[2] == "Geisha" else 0)
    variants = []
    if category == "grains":
        options = [({"poids": "250-g"}, 1, 250, "250")]
        options.append(({"poids": "1-kg"}, 3.4, 1000, "1K"))
    else:
        options = [
            ({"mouture": "moulu-espresso"}, 1, 250, "ESP"),
            ({"mouture": "moulu-filtre"}, 1, 250, "FIL"),
        ]
    for option_values, factor, grams, suffix in options:
        price = _price(base * factor)
        variants.append(
            VariantInput(
                sku=f"{sku_root}-{suffix}",
                price=price,
                options=option_values,
                compare_at_price=_compare_at(rng, price),
                weight_grams=grams + 20,
                stock_quantity=_stock(rng),
            )
        )
    tags = []
    if blend and "caf" in name[0].lower():
        tags.append("decafeine")
    if origin[0] in ("perou", "mexique", "honduras"):
        tags.append("equitable")
    if origin[2] == "Geisha":
        tags.append("limite")
    return ProductPlan(
        key=sku_root,
        category=category,
        name=name,
        description=description,
        variants=variants,
        brand="ardoise" if rng.random() < 0.6 else "sillon",
        vat_class=VatClass.REDUCED,
        tags=tags,
        allow_backorder=rng.random() < 0.1,
        motif="bag",
    )


def _accessories(
    rng: random.Random, category: str, motif: str, items: tuple[Accessory, ...]
) -> list[ProductPlan]:
    plans = []
    openings = GRINDER_OPENINGS if motif == "grinder" else ACCESSORY_OPENINGS
    for index, (name_fr, name_en, prices, colours, material, capacity) in enumerate(items, 1):
        brand = "perrin" if motif == "grinder" else rng.choice(("gres", "gres", "maison"))
        opening_fr, opening_en = pick(rng, openings)
        if motif == "grinder":
            care_fr, care_en = GRINDER_CARE
        elif any(word in material[0] for word in FRAGILE_MATERIALS):
            care_fr, care_en = HAND_WASH
        else:
            care_fr, care_en = DISHWASHER
        opening_fr = _fill(opening_fr, brand=BRANDS[brand], material=material[0], capacity=capacity)
        opening_en = _fill(
            opening_en,
            brand=BRANDS[brand],
            material=material[1],
            capacity=capacity.replace(",", "."),
        )
        fr = (
            f"<p>{opening_fr}</p><ul><li>Matière : {material[0]}</li>"
            f"<li>Contenance : {capacity}</li></ul><p><small>{care_fr}</small></p>"
        )
        en = (
            f"<p>{opening_en}</p><ul><li>Material: {material[1]}</li>"
            f"<li>Capacity: {capacity.replace(',', '.')}</li></ul>"
            f"<p><small>{care_en}</small></p>"
        )
        price = _price(rng.randint(*prices))
        sku_root = f"A{category[:2].upper()}-{index:03d}"
        weight = {"teapot": 900, "cup": 300, "grinder": 1200}[motif]
        variants = [
            VariantInput(
                sku=f"{sku_root}-{colour.upper()}" if colour else sku_root,
                price=price,
                options={"couleur": colour} if colour else {},
                compare_at_price=_compare_at(rng, price),
                weight_grams=weight + rng.randint(0, 200),
                stock_quantity=_stock(rng),
            )
            for colour in (colours or ("",))
        ]
        plans.append(
            ProductPlan(
                key=sku_root,
                category=category,
                name=(name_fr, name_en),
                description=(fr, en),
                variants=variants,
                brand=brand,
                vat_class=VatClass.STANDARD,
                tags=["cadeau"] if rng.random() < 0.3 else [],
                allow_backorder=rng.random() < 0.15,
                motif=motif,
            )
        )
    return plans


def _gift_boxes(rng: random.Random) -> list[ProductPlan]:
    plans = []
    for index, (name, blurb, price) in enumerate(GIFT_BOXES, start=1):
        fr = (
            f"<p>{blurb[0]}</p><p>Livré dans une boîte rigide avec un ruban, prêt à "
            "offrir. Un mot personnalisé peut être glissé sur demande.</p>"
        )
        en = (
            f"<p>{blurb[1]}</p><p>Shipped in a rigid box with a ribbon, ready to give. "
            "A personal note can be slipped in on request.</p>"
        )
        plans.append(
            ProductPlan(
                key=f"CO-{index:03d}",
                category="coffrets",
                name=name,
                description=(fr, en),
                variants=[
                    VariantInput(
                        sku=f"CO-{index:03d}",
                        price=_price(price),
                        weight_grams=800,
                        stock_quantity=_stock(rng),
                    )
                ],
                # A gift box mixes food and tableware; the standard rate is the safe side.
                brand="maison",
                vat_class=VatClass.STANDARD,
                tags=["cadeau"],
                motif="box",
            )
        )
    return plans


def _workshops_and_guides() -> list[ProductPlan]:
    guide = (
        "<p>Un livre numérique de 80 pages, illustré, au format EPUB et PDF : {what}. "
        "Téléchargeable immédiatement après le paiement.</p>"
    )
    guide_en = (
        "<p>An illustrated 80-page e-book in EPUB and PDF: {what}. Download it as "
        "soon as payment is confirmed.</p>"
    )
    workshop = (
        "<p>{what} Deux heures à la boutique, six participants au plus, toutes les "
        "dégustations comprises.</p><p>Chaque samedi à 10 h ; la date se choisit "
        "après l'achat.</p>"
    )
    workshop_en = (
        "<p>{what} Two hours in the shop, six people at most, all tastings "
        "included.</p><p>Every Saturday at 10 am; pick your date after "
        "purchase.</p>"
    )
    digital = {"track_stock": False, "weight_grams": None}
    return [
        ProductPlan(
            key="GU-001",
            category="ateliers",
            name=("Guide du thé : infuser comme un pro", "The tea guide: brew like a pro"),
            description=(
                guide.format(what="températures, dosages et grands terroirs"),
                guide_en.format(what="temperatures, doses and great terroirs"),
            ),
            variants=[VariantInput(sku="GU-001", price=Decimal("12.90"), **digital)],
            brand="maison",
            vat_class=VatClass.REDUCED,
            kind=ProductKind.DIGITAL,
            motif="book",
        ),
        ProductPlan(
            key="GU-002",
            category="ateliers",
            name=("Le petit manuel du café filtre", "The little pour-over handbook"),
            description=(
                guide.format(what="mouture, recettes et réglages pas à pas"),
                guide_en.format(what="grind, recipes and step-by-step dialling in"),
            ),
            variants=[VariantInput(sku="GU-002", price=Decimal("9.90"), **digital)],
            brand="maison",
            vat_class=VatClass.REDUCED,
            kind=ProductKind.DIGITAL,
            motif="book",
        ),
        ProductPlan(
            key="AT-001",
            category="ateliers",
            name=(
                "Atelier dégustation : les grands thés de Chine",
                "Tasting workshop: the great teas of China",
            ),
            description=(
                workshop.format(what="Du thé vert au pu-erh, sept thés à comparer."),
                workshop_en.format(what="From green tea to pu-erh, seven teas to compare."),
            ),
            variants=[VariantInput(sku="AT-001", price=Decimal("45.00"), stock_quantity=6)],
            brand="maison",
            vat_class=VatClass.STANDARD,
            kind=ProductKind.SERVICE,
            tags=["cadeau"],
            motif="workshop",
        ),
        ProductPlan(
            key="AT-002",
            category="ateliers",
            name=("Atelier barista : réussir son espresso", "Barista workshop: nail your espresso"),
            description=(
                workshop.format(what="Mouture, dose, extraction : on règle ensemble."),
                workshop_en.format(what="Grind, dose, extraction: we dial it in together."),
            ),
            variants=[VariantInput(sku="AT-002", price=Decimal("55.00"), stock_quantity=2)],
            brand="maison",
            vat_class=VatClass.STANDARD,
            kind=ProductKind.SERVICE,
            motif="workshop",
        ),
    ]
