"""The input format of the weekly extracts: columns, code lists and accepted spellings.

One place describes every column; the readers, the validation SQL, the JSON schemas and the
templates under `data/templates/` are all derived from it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

#: Codes of the 13 report sections, in report order (INSEE region codes; `93` is Provence-Alpes-Côte
#: d'Azur and Corsica, `OM` the five overseas departments). Extracts use these codes only.
REGION_CODES: tuple[str, ...] = ("84", "27", "53", "24", "44", "32", "11", "28", "75", "76", "OM", "52", "93")
REGION_NAMES: dict[str, str] = {
    "84": "Auvergne-Rhône-Alpes",
    "27": "Bourgogne-Franche-Comté",
    "53": "Bretagne",
    "24": "Centre-Val de Loire",
    "44": "Grand Est",
    "32": "Hauts-de-France",
    "11": "Île-de-France",
    "28": "Normandie",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "OM": "Outre-Mer",
    "52": "Pays de la Loire",
    "93": "Provence-Alpes-Côte d'Azur et Corse",
}
#: INSEE codes of the overseas departments' regions, refused in `region_code` (use `OM`).
DROM_REGION_CODES: tuple[str, ...] = ("01", "02", "03", "04", "06")


@dataclass(frozen=True)
class Departement:
    """A département: INSEE code, name, report section and prefecture."""

    code: str
    name: str
    region_code: str
    prefecture: str


_DEPARTEMENT_ROWS = """
01|Ain|84|Bourg-en-Bresse
02|Aisne|32|Laon
03|Allier|84|Moulins
04|Alpes-de-Haute-Provence|93|Digne-les-Bains
05|Hautes-Alpes|93|Gap
06|Alpes-Maritimes|93|Nice
07|Ardèche|84|Privas
08|Ardennes|44|Charleville-Mézières
09|Ariège|76|Foix
10|Aube|44|Troyes
11|Aude|76|Carcassonne
12|Aveyron|76|Rodez
13|Bouches-du-Rhône|93|Marseille
14|Calvados|28|Caen
15|Cantal|84|Aurillac
16|Charente|75|Angoulême
17|Charente-Maritime|75|La Rochelle
18|Cher|24|Bourges
19|Corrèze|75|Tulle
2A|Corse-du-Sud|93|Ajaccio
2B|Haute-Corse|93|Bastia
21|Côte-d'Or|27|Dijon
22|Côtes-d'Armor|53|Saint-Brieuc
23|Creuse|75|Guéret
24|Dordogne|75|Périgueux
25|Doubs|27|Besançon
26|Drôme|84|Valence
27|Eure|28|Évreux
28|Eure-et-Loir|24|Chartres
29|Finistère|53|Quimper
30|Gard|76|Nîmes
31|Haute-Garonne|76|Toulouse
32|Gers|76|Auch
33|Gironde|75|Bordeaux
34|Hérault|76|Montpellier
35|Ille-et-Vilaine|53|Rennes
36|Indre|24|Châteauroux
37|Indre-et-Loire|24|Tours
38|Isère|84|Grenoble
39|Jura|27|Lons-le-Saunier
40|Landes|75|Mont-de-Marsan
41|Loir-et-Cher|24|Blois
42|Loire|84|Saint-Étienne
43|Haute-Loire|84|Le Puy-en-Velay
44|Loire-Atlantique|52|Nantes
45|Loiret|24|Orléans
46|Lot|76|Cahors
47|Lot-et-Garonne|75|Agen
48|Lozère|76|Mende
49|Maine-et-Loire|52|Angers
50|Manche|28|Saint-Lô
51|Marne|44|Châlons-en-Champagne
52|Haute-Marne|44|Chaumont
53|Mayenne|52|Laval
54|Meurthe-et-Moselle|44|Nancy
55|Meuse|44|Bar-le-Duc
56|Morbihan|53|Vannes
57|Moselle|44|Metz
58|Nièvre|27|Nevers
59|Nord|32|Lille
60|Oise|32|Beauvais
61|Orne|28|Alençon
62|Pas-de-Calais|32|Arras
63|Puy-de-Dôme|84|Clermont-Ferrand
64|Pyrénées-Atlantiques|75|Pau
65|Hautes-Pyrénées|76|Tarbes
66|Pyrénées-Orientales|76|Perpignan
67|Bas-Rhin|44|Strasbourg
68|Haut-Rhin|44|Colmar
69|Rhône|84|Lyon
70|Haute-Saône|27|Vesoul
71|Saône-et-Loire|27|Mâcon
72|Sarthe|52|Le Mans
73|Savoie|84|Chambéry
74|Haute-Savoie|84|Annecy
75|Paris|11|Paris
76|Seine-Maritime|28|Rouen
77|Seine-et-Marne|11|Melun
78|Yvelines|11|Versailles
79|Deux-Sèvres|75|Niort
80|Somme|32|Amiens
81|Tarn|76|Albi
82|Tarn-et-Garonne|76|Montauban
83|Var|93|Toulon
84|Vaucluse|93|Avignon
85|Vendée|52|La Roche-sur-Yon
86|Vienne|75|Poitiers
87|Haute-Vienne|75|Limoges
88|Vosges|44|Épinal
89|Yonne|27|Auxerre
90|Territoire de Belfort|27|Belfort
91|Essonne|11|Évry-Courcouronnes
92|Hauts-de-Seine|11|Nanterre
93|Seine-Saint-Denis|11|Bobigny
94|Val-de-Marne|11|Créteil
95|Val-d'Oise|11|Cergy
971|Guadeloupe|OM|Basse-Terre
972|Martinique|OM|Fort-de-France
973|Guyane|OM|Cayenne
974|La Réunion|OM|Saint-Denis
976|Mayotte|OM|Mamoudzou
"""

#: The 101 départements (96 metropolitan, 5 overseas), by INSEE code.
DEPARTEMENTS: dict[str, Departement] = {
    fields[0]: Departement(*fields) for fields in (line.split("|") for line in _DEPARTEMENT_ROWS.strip().splitlines())
}

#: Canonical codes (the report's dimension members) and their French labels.
LANDLORD_TYPES: dict[str, str] = {
    "oph": "OPH",
    "esh": "ESH",
    "epl_sem": "EPL/SEM",
    "cooperative": "Coopérative",
    "autre": "Autre",
}
FAMILIES: dict[str, str] = {"requalification": "Requalification", "reconstitution": "Reconstitution de l'offre"}
ZONES: dict[str, str] = {"a_bis": "A bis", "a": "A", "b1": "B1", "b2": "B2", "c": "C"}
#: Tight housing markets ("zones tendues") as the report groups them.
TIGHT_ZONES: tuple[str, ...] = ("a_bis", "a", "b1")
LABELS: dict[str, str] = {"hpe": "HPE", "bbc": "BBC", "autre": "Autre label", "aucun": "Sans label"}

#: Extra spellings accepted for each coded column, compared after `spelling_key`.
_EXTRA_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "landlord_type": {
        "oph": ("office public de l habitat", "office public hlm"),
        "esh": ("entreprise sociale pour l habitat", "sa hlm", "sa d hlm"),
        "epl_sem": ("epl", "sem", "epl sem", "sem epl", "societe d economie mixte"),
        "cooperative": ("coop", "cooperative hlm", "societe cooperative", "cooperatives"),
        "autre": ("autres",),
    },
    "family": {
        "requalification": ("requal",),
        "reconstitution": ("reconstitution de l offre", "reconstitution offre", "reco"),
    },
    "zone": {"a_bis": ("abis", "a bis", "zone a bis", "zone abis")}
    | {z: (f"zone {z}",) for z in ("a", "b1", "b2", "c")},
    "label": {
        "bbc": ("bbc effinergie", "bbc renovation"),
        "autre": ("autres",),
        "aucun": ("sans label", "sans", "aucun label", "non", "none"),
    },
}
CODE_LISTS: dict[str, dict[str, str]] = {
    "landlord_type": LANDLORD_TYPES,
    "family": FAMILIES,
    "zone": ZONES,
    "label": LABELS,
}

#: Engagement dates cannot precede the start of the programme.
PROGRAMME_START = date(2014, 1, 1)

#: Pattern of a QPV code once upper-cased and trimmed, e.g. `QN06912M` (2024 list) or `QP069012` (2015).
QPV_CODE_PATTERN = r"^Q[NP][0-9A-Z]{6}$"
#: Longest operation id accepted.
OPERATION_ID_MAX_LENGTH = 64


def spelling_key(text: str) -> str:
    """Case- and accent-insensitive key: `Coopérative` and `cooperative` give the same key.

    Mirrors the SQL `spelling_key` macro of the validation (lower, strip accents, runs of other
    characters to one space).
    """
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def accepted_spellings() -> list[tuple[str, str, str]]:
    """`(column, spelling key, canonical code)` for every accepted spelling of the coded columns."""
    rows: dict[tuple[str, str], str] = {}
    for column, codes in CODE_LISTS.items():
        for code, label in codes.items():
            for spelling in (code, label, *_EXTRA_SPELLINGS.get(column, {}).get(code, ())):
                key = spelling_key(spelling)
                previous = rows.setdefault((column, key), code)
                if previous != code:
                    raise ValueError(f"spelling {spelling!r} of {column} maps to both {previous} and {code}")
    return [(column, key, code) for (column, key), code in sorted(rows.items())]


@dataclass(frozen=True)
class Column:
    """One column of an input file."""

    name: str
    type: str  # "string" | "date" | "number" | "integer"
    title: str
    description: str
    required: bool = True
    unique: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: int | None = None
    max_length: int | None = None


OPERATION_COLUMNS: tuple[Column, ...] = (
    Column(
        "operation_id",
        "string",
        "Identifiant de l'opération",
        "Identifiant stable de l'opération financée, unique dans le fichier (64 caractères au plus). "
        "Les identifiants commençant par SYN- sont réservés aux données synthétiques.",
        unique=True,
        max_length=OPERATION_ID_MAX_LENGTH,
    ),
    Column(
        "region_code",
        "string",
        "Code de la section du bilan",
        "Code de la région telle que le bilan la présente : code INSEE de la région (84, 27, 53, 24, 44, 32, 11, "
        "28, 75, 76, 52), 93 pour Provence-Alpes-Côte d'Azur et Corse, OM pour les cinq départements d'outre-mer. "
        "Les codes 01, 02, 03, 04 et 06 des DROM sont refusés : utiliser OM.",
        enum=REGION_CODES,
    ),
    Column(
        "departement",
        "string",
        "Département",
        "Code INSEE du département (69, 2A, 971...). Un zéro initial perdu par un tableur est rétabli (1 -> 01). "
        "Le département doit appartenir à la section indiquée dans region_code.",
        enum=tuple(DEPARTEMENTS),
    ),
    Column("commune", "string", "Commune", "Nom de la commune de l'opération (facultatif).", required=False),
    Column(
        "qpv_code",
        "string",
        "Code du quartier prioritaire",
        "Code du quartier prioritaire de la politique de la ville (QPV), par exemple QN06912M : Q, N ou P, "
        "puis six lettres ou chiffres.",
        pattern=QPV_CODE_PATTERN,
    ),
    Column("qpv_name", "string", "Nom du quartier prioritaire", "Nom du QPV (facultatif).", required=False),
    Column(
        "landlord_name",
        "string",
        "Bailleur",
        "Nom de l'organisme de logement social emprunteur (facultatif).",
        required=False,
    ),
    Column(
        "landlord_type",
        "string",
        "Type de bailleur",
        "oph, esh, epl_sem, cooperative ou autre. Les libellés (OPH, ESH, EPL/SEM, Coopérative, Autre) sont "
        "acceptés sans tenir compte de la casse ni des accents.",
        enum=tuple(LANDLORD_TYPES),
    ),
    Column(
        "family",
        "string",
        "Famille d'opération",
        "requalification ou reconstitution (« Reconstitution de l'offre » est accepté), sans tenir compte de la "
        "casse ni des accents.",
        enum=tuple(FAMILIES),
    ),
    Column(
        "zone",
        "string",
        "Zone de tension",
        "Zone du marché du logement : a_bis, a, b1, b2 ou c (« A bis », « Zone B1 »... sont acceptés). "
        "A bis, A et B1 sont les zones tendues.",
        enum=tuple(ZONES),
    ),
    Column(
        "label",
        "string",
        "Label énergétique",
        "hpe, bbc, autre ou aucun (« Sans label » est accepté), sans tenir compte de la casse ni des accents.",
        enum=tuple(LABELS),
    ),
    Column(
        "engagement_date",
        "date",
        "Date d'engagement",
        "Date d'engagement du prêt, au format JJ/MM/AAAA ou AAAA-MM-JJ, entre le 01/01/2014 et la date de "
        "l'extraction (--as-of).",
    ),
    Column(
        "engaged_amount_eur",
        "number",
        "Montant engagé (€)",
        "Montant du prêt engagé, en euros, positif ou nul, deux décimales au plus. Virgule ou point décimal ; "
        "espaces (y compris insécables) comme séparateurs de milliers, ou points quand la virgule est décimale.",
        minimum=0,
    ),
    Column(
        "reservation_rights",
        "integer",
        "Droits de réservation",
        "Nombre de droits de réservation obtenus en contrepartie (entier positif ou nul).",
        minimum=0,
    ),
)

DISBURSEMENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "operation_id",
        "string",
        "Identifiant de l'opération",
        "Identifiant d'une opération du fichier des opérations de la même extraction.",
        max_length=OPERATION_ID_MAX_LENGTH,
    ),
    Column(
        "disbursement_date",
        "date",
        "Date du décaissement",
        "Date du versement, au format JJ/MM/AAAA ou AAAA-MM-JJ, ni avant la date d'engagement de l'opération "
        "ni après la date de l'extraction (--as-of).",
    ),
    Column(
        "amount_eur",
        "number",
        "Montant décaissé (€)",
        "Montant versé, en euros, positif ou nul, deux décimales au plus. Le cumul des décaissements d'une "
        "opération ne dépasse pas son montant engagé.",
        minimum=0,
    ),
)

TABLES: dict[str, tuple[Column, ...]] = {"operations": OPERATION_COLUMNS, "disbursements": DISBURSEMENT_COLUMNS}
TABLE_TITLES: dict[str, str] = {
    "operations": "Opérations financées par des prêts bonifiés (une ligne par opération)",
    "disbursements": "Décaissements des prêts (une ligne par versement)",
}


def header_aliases(columns: tuple[Column, ...]) -> dict[str, str]:
    """Header spelling key -> column name: the English name or the French title, in any case or accent."""
    aliases: dict[str, str] = {}
    for column in columns:
        for spelling in (column.name, column.title):
            aliases[spelling_key(spelling)] = column.name
    return aliases
