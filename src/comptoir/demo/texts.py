"""Hand-written fragments the demo descriptions are assembled from, in French and English.

Each fragment is a ``(fr, en)`` pair. Two hundred products built from one template would
read as a template; drawing the opening, the tasting notes, the brewing advice and the
closing line from separate pools keeps neighbouring products from sounding alike.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

Pair = tuple[str, str]


@dataclass(frozen=True)
class Country:
    fr: str
    en: str
    in_fr: str  # "au Japon", "en Chine": French picks the preposition by gender and initial


COUNTRIES = {
    "japon": Country("Japon", "Japan", "au Japon"),
    "chine": Country("Chine", "China", "en Chine"),
    "inde": Country("Inde", "India", "en Inde"),
    "sri-lanka": Country("Sri Lanka", "Sri Lanka", "au Sri Lanka"),
    "taiwan": Country("Taïwan", "Taiwan", "à Taïwan"),
    "kenya": Country("Kenya", "Kenya", "au Kenya"),
    "nepal": Country("Népal", "Nepal", "au Népal"),
    "vietnam": Country("Vietnam", "Vietnam", "au Vietnam"),
    "france": Country("France", "France", "en France"),
    "afrique-du-sud": Country("Afrique du Sud", "South Africa", "en Afrique du Sud"),
    "egypte": Country("Égypte", "Egypt", "en Égypte"),
    "ethiopie": Country("Éthiopie", "Ethiopia", "en Éthiopie"),
    "colombie": Country("Colombie", "Colombia", "en Colombie"),
    "bresil": Country("Brésil", "Brazil", "au Brésil"),
    "guatemala": Country("Guatemala", "Guatemala", "au Guatemala"),
    "costa-rica": Country("Costa Rica", "Costa Rica", "au Costa Rica"),
    "perou": Country("Pérou", "Peru", "au Pérou"),
    "rwanda": Country("Rwanda", "Rwanda", "au Rwanda"),
    "burundi": Country("Burundi", "Burundi", "au Burundi"),
    "indonesie": Country("Indonésie", "Indonesia", "en Indonésie"),
    "honduras": Country("Honduras", "Honduras", "au Honduras"),
    "salvador": Country("Salvador", "El Salvador", "au Salvador"),
    "mexique": Country("Mexique", "Mexico", "au Mexique"),
    "panama": Country("Panama", "Panama", "au Panama"),
}


def de(word: str) -> str:
    """French "de" with elision: "de Shizuoka", "d'Uji", "d'agrumes"."""
    return f"d'{word}" if word[:1].lower() in "aeiouyéèêâîôû" else f"de {word}"


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- teas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeaFamily:
    this: Pair  # "ce thé vert" / "this green tea"
    a: Pair
    feminine: bool  # French participles agree with the noun: "cueilli" / "cueillie"
    notes: tuple[Pair, ...]
    grams: str
    water: str
    minutes: str
    moments: tuple[Pair, ...]


TEA_FAMILIES = {
    "vert": TeaFamily(
        this=("ce thé vert", "this green tea"),
        a=("un thé vert", "a green tea"),
        feminine=False,
        notes=(
            ("herbe fraîchement coupée", "freshly cut grass"),
            ("algue marine", "sea spray and nori"),
            ("châtaigne", "chestnut"),
            ("noisette grillée", "toasted hazelnut"),
            ("petit pois frais", "sweet garden peas"),
            ("agrumes", "citrus peel"),
            ("fleur d'orchidée", "orchid"),
            ("épinard tendre", "young spinach"),
            ("beurre frais", "fresh butter"),
            ("artichaut", "artichoke"),
        ),
        grams="2 g",
        water="75 °C",
        minutes="2 min",
        moments=(
            (
                "Idéal en milieu de matinée, quand on a besoin de clarté.",
                "Best mid-morning, when you need a clear head.",
            ),
            (
                "Il accompagne à merveille un repas léger, poisson ou légumes de saison.",
                "It goes beautifully with a light meal, fish or seasonal vegetables.",
            ),
            (
                "Une tasse pour le début d'après-midi, vive sans être nerveuse.",
                "An early-afternoon cup, lively without being jittery.",
            ),
        ),
    ),
    "noir": TeaFamily(
        this=("ce thé noir", "this black tea"),
        a=("un thé noir", "a black tea"),
        feminine=False,
        notes=(
            ("malt", "malt"),
            ("cacao", "cocoa"),
            ("miel de châtaignier", "chestnut honey"),
            ("fruits rouges", "red berries"),
            ("raisin muscat", "muscatel grape"),
            ("tabac blond", "pipe tobacco"),
            ("caramel", "caramel"),
            ("pain grillé", "toast"),
            ("pruneau", "prune"),
            ("épices douces", "sweet spice"),
            ("bois de cèdre", "cedar wood"),
        ),
        grams="2,5 g",
        water="95 °C",
        minutes="4 min",
        moments=(
            (
                "Il tient tête à un petit-déjeuner copieux et accepte volontiers un nuage de lait.",
                "It stands up to a hearty breakfast and happily takes a splash of milk.",
            ),
            (
                "Parfait pour l'heure du goûter, avec une part de cake ou des sablés.",
                "Perfect at teatime, with a slice of cake or shortbread.",
            ),
            (
                "Un compagnon fidèle des longues matinées d'hiver.",
                "A faithful companion on long winter mornings.",
            ),
        ),
    ),
    "oolong": TeaFamily(
        this=("cet oolong", "this oolong"),
        a=("un oolong", "an oolong"),
        feminine=False,
        notes=(
            ("orchidée", "orchid"),
            ("lait chaud", "warm milk"),
            ("pêche blanche", "white peach"),
            ("abricot sec", "dried apricot"),
            ("miel de fleurs", "wildflower honey"),
            ("bois torréfié", "roasted wood"),
            ("lilas", "lilac"),
            ("noix de cajou", "cashew"),
            ("minéralité", "stony minerality"),
        ),
        grams="3 g",
        water="90 °C",
        minutes="3 min",
        moments=(
            (
                "Les feuilles se dégustent en plusieurs infusions : chacune dévoile une facette.",
                "The leaves give several infusions, each one showing a new side.",
            ),
            (
                "Un thé de contemplation, à savourer en gaiwan un dimanche après-midi.",
                "A tea for slowing down, best from a gaiwan on a Sunday afternoon.",
            ),
            (
                "Superbe après un repas, il rafraîchit le palais sans l'alourdir.",
                "Lovely after a meal: it refreshes the palate without weighing it down.",
            ),
        ),
    ),
    "infusion": TeaFamily(
        this=("cette infusion", "this herbal infusion"),
        a=("une infusion", "an herbal infusion"),
        feminine=True,
        notes=(
            ("miel", "honey"),
            ("fleurs des champs", "meadow flowers"),
            ("vanille douce", "soft vanilla"),
            ("zeste de citron", "lemon zest"),
            ("pomme cuite", "baked apple"),
            ("menthe fraîche", "fresh mint"),
            ("réglisse", "liquorice"),
            ("fruits rouges", "red berries"),
        ),
        grams="3 g",
        water="100 °C",
        minutes="6 min",
        moments=(
            (
                "Sans théine, elle accompagne les soirées jusqu'au coucher.",
                "Caffeine-free, it sees you through the evening until bedtime.",
            ),
            (
                "Délicieuse aussi glacée : infusez-la le soir, servez-la le lendemain.",
                "Also delicious iced: brew it in the evening, serve it the next day.",
            ),
            (
                "Les enfants l'adorent, légèrement sucrée d'une cuillère de miel.",
                "Children love it, lightly sweetened with a spoonful of honey.",
            ),
        ),
    ),
}

TEA_OPENINGS: tuple[Pair, ...] = (
    (
        "{This} nous vient de la région {de_region}, {in_country}. {Brand} {le} sélectionne "
        "chaque saison pour sa régularité et sa finesse.",
        "{This} comes from the {region} region of {country}. {Brand} picks it every season "
        "for its consistency and finesse.",
    ),
    (
        "Récolté{e} à la main dans la région {de_region}, {this} raconte le savoir-faire "
        "d'un jardin familial que nous suivons depuis des années.",
        "Hand-picked around {region}, {this} tells the story of a family garden we have followed "
        "for years.",
    ),
    (
        "Petit lot, grande personnalité : {this} provient d'un jardin de la région "
        "{de_region}, {in_country}, que nous visitons chaque printemps.",
        "Small lot, big personality: {this} comes from a garden in the {region} region of "
        "{country}, which we visit every spring.",
    ),
    (
        "Chez {Brand}, on ne jure que par {this} {de_region} : une tasse qui se fait "
        "remarquer dès la première gorgée.",
        "At {Brand}, they swear by {this} from {region}: a cup that gets noticed from the "
        "very first sip.",
    ),
    (
        "Voici {a} comme nous les aimons, né{e} sur les terres {de_region} ({country_fr}) "
        "et travaillé{e} en petites quantités.",
        "Here is {a} just the way we like it, grown around {region} ({country}) and made "
        "in small batches.",
    ),
)

TEA_NOTE_LINES: tuple[Pair, ...] = (
    (
        "En bouche, des notes {de_n1} et {de_n2}, avec une pointe {de_n3}.",
        "On the palate: {n1} and {n2}, with a hint of {n3}.",
    ),
    (
        "La liqueur, limpide, évoque {le_n1}… puis s'ouvre sur des accents {de_n2} et {de_n3}.",
        "The clear liquor brings {n1} to mind, then opens onto {n2} and {n3}.",
    ),
    (
        "Le nez annonce {le_n1} ; la tasse confirme, avec un soupçon {de_n2} et une finale "
        "sur {le_n3}.",
        "The aroma promises {n1}; the cup delivers, with a touch of {n2} and a finish of {n3}.",
    ),
    ("Nos notes de dégustation : {n1}, {n2}, {n3}.", "Our tasting notes: {n1}, {n2}, {n3}."),
)

TEA_TIPS: tuple[Pair, ...] = (
    (
        "Utilisez une eau peu minéralisée : la tasse n'en sera que plus expressive.",
        "Use soft, low-mineral water: the cup will be all the more expressive.",
    ),
    (
        "Retirez les feuilles à la fin de l'infusion pour éviter toute amertume.",
        "Take the leaves out once the time is up, so no bitterness creeps in.",
    ),
    (
        "Les feuilles acceptent volontiers une deuxième infusion, un peu plus longue.",
        "The leaves happily give a second, slightly longer infusion.",
    ),
    (
        "Essayez-le infusé à froid : 8 g pour un litre d'eau, une nuit au réfrigérateur.",
        "Try it cold-brewed: 8 g per litre of water, overnight in the fridge.",
    ),
    (
        "Préchauffez la théière avec un peu d'eau chaude pour garder une température stable.",
        "Warm the pot with a little hot water first to keep the temperature steady.",
    ),
)

STORAGE: Pair = (
    "Se conserve à l'abri de la lumière, de l'air et de l'humidité, dans une boîte hermétique.",
    "Keep away from light, air and moisture, in an airtight tin.",
)

# --- coffees -------------------------------------------------------------------------------

COFFEE_NOTES: tuple[Pair, ...] = (
    ("chocolat noir", "dark chocolate"),
    ("caramel au beurre", "butter caramel"),
    ("noisette", "hazelnut"),
    ("fruits rouges", "red berries"),
    ("bergamote", "bergamot"),
    ("jasmin", "jasmine"),
    ("pêche jaune", "yellow peach"),
    ("agrumes", "citrus"),
    ("sucre roux", "brown sugar"),
    ("mûre", "blackberry"),
    ("fleur d'oranger", "orange blossom"),
    ("pomme verte", "green apple"),
    ("raisin sec", "raisin"),
    ("cacao", "cocoa nib"),
    ("épices", "baking spice"),
    ("miel", "honey"),
)

PROCESSES: dict[str, Pair] = {
    "lave": ("lavé", "washed"),
    "nature": ("nature (séché en cerise)", "natural (dried in the cherry)"),
    "honey": ("honey", "honey"),
}

ROASTS: dict[str, Pair] = {
    "claire": (
        "claire, pour préserver l'acidité et les arômes floraux",
        "light, to keep the acidity and floral aromas",
    ),
    "moyenne": (
        "moyenne, pour un bel équilibre entre douceur et corps",
        "medium, for a fine balance of sweetness and body",
    ),
    "foncee": (
        "plus poussée, pour un espresso rond et chocolaté",
        "darker, for a round, chocolatey espresso",
    ),
}

COFFEE_OPENINGS: tuple[Pair, ...] = (
    (
        "Ce café pousse à {altitude} m d'altitude {in_place}, où {farm} cultive la variété "
        "{variety}.",
        "This coffee grows at {altitude} m {in_place_en}, where {farm} cultivates the "
        "{variety} variety.",
    ),
    (
        "Nous travaillons avec {farm} depuis plusieurs récoltes : un {variety} cultivé vers "
        "{altitude} m, dans la région {de_region}.",
        "We have worked with {farm} for several harvests: a {variety} grown at around "
        "{altitude} m in the {region} region.",
    ),
    (
        "{Region}, {country_fr} : c'est là que {farm} produit ce {variety} d'altitude "
        "({altitude} m), trié à la main.",
        "{region}, {country}: this is where {farm} grows this high-altitude {variety} "
        "({altitude} m), sorted by hand.",
    ),
    (
        "Un lot de {variety} de {farm}, récolté à pleine maturité sur les pentes "
        "{de_region}, à {altitude} m.",
        "A lot of {variety} from {farm}, picked fully ripe on the slopes of {region}, "
        "at {altitude} m.",
    ),
)

COFFEE_NOTE_LINES: tuple[Pair, ...] = (
    (
        "Dans la tasse : {n1}, {n2} et une finale {de_n3}.",
        "In the cup: {n1}, {n2} and a {n3} finish.",
    ),
    (
        "On y goûte {le_n1}, puis {le_n2} ; en refroidissant, la tasse révèle des notes {de_n3}.",
        "You taste {n1}, then {n2}; as it cools, the cup reveals {n3}.",
    ),
    (
        "Profil aromatique : {n1}, {n2}, {n3}. Une tasse {body_fr}.",
        "Flavour profile: {n1}, {n2}, {n3}. A {body_en} cup.",
    ),
)

BODIES: tuple[Pair, ...] = (
    ("soyeuse et douce", "silky, gentle"),
    ("ronde et gourmande", "round, indulgent"),
    ("vive et désaltérante", "bright, refreshing"),
    ("dense et persistante", "dense, lingering"),
)

COFFEE_METHODS: dict[str, tuple[Pair, ...]] = {
    "filtre": (
        (
            "Filtre (V60, Chemex) : 15 g pour 250 ml d'eau à 93 °C, 3 minutes d'extraction.",
            "Pour-over (V60, Chemex): 15 g for 250 ml of water at 93 °C, 3 minutes.",
        ),
        (
            "Cafetière à piston : 30 g pour 500 ml, 4 minutes, puis on presse doucement.",
            "French press: 30 g for 500 ml, 4 minutes, then plunge gently.",
        ),
    ),
    "espresso": (
        (
            "Espresso : 18 g de mouture pour 36 g dans la tasse, en 27 à 30 secondes.",
            "Espresso: 18 g of coffee for 36 g in the cup, in 27 to 30 seconds.",
        ),
        (
            "Cafetière italienne : remplissez le filtre sans tasser, feu doux.",
            "Moka pot: fill the basket without tamping, over a low flame.",
        ),
    ),
}

COFFEE_TIPS: tuple[Pair, ...] = (
    (
        "Moulez juste avant l'extraction : les arômes s'envolent en quelques minutes.",
        "Grind right before brewing: the aromas fade within minutes.",
    ),
    (
        "Laissez reposer le café une semaine après torréfaction pour qu'il dégaze.",
        "Let the coffee rest a week after roasting so it can degas.",
    ),
    (
        "Une eau filtrée fait une vraie différence sur la clarté de la tasse.",
        "Filtered water makes a real difference to the clarity of the cup.",
    ),
    (
        "Conservez les grains dans leur sachet à valve, bien refermé, loin du réfrigérateur.",
        "Keep the beans in their valve bag, tightly closed, and out of the fridge.",
    ),
)


def pick(rng: random.Random, pairs: tuple[Pair, ...]) -> Pair:
    return pairs[rng.randrange(len(pairs))]


# First words whose gender the spelling heuristic in ``le`` gets wrong.
ARTICLE_EXCEPTIONS = {
    "beurre": "le",
    "bois": "le",
    "fleur": "la",
    "lilas": "le",
    "noix": "la",
    "sucre": "le",
    "zeste": "le",
}


def le(noun: str) -> str:
    """A French article good enough for tasting notes: "l'orchidée", "la vanille", "le malt"."""
    first = noun.split()[0]
    article = ARTICLE_EXCEPTIONS.get(first)
    if article is None and first.endswith(("s", "x")):
        article = "les"
    if article != "les" and noun[:1].lower() in "aeiouyéèêâîôûh":
        return f"l'{noun}"
    if article is None:
        article = "la" if first.endswith(("e", "té")) else "le"
    return f"{article} {noun}"
