"""France Travail's labels turned into codes: languages, experience, driving licences."""

import re
import unicodedata

# France Travail's `langues[].libelle` values, by ISO 639-1 code.
LANGUAGES: dict[str, str] = {
    "allemand": "de",
    "anglais": "en",
    "arabe": "ar",
    "armenien": "hy",
    "bulgare": "bg",
    "chinois": "zh",
    "coreen": "ko",
    "croate": "hr",
    "danois": "da",
    "espagnol": "es",
    "estonien": "et",
    "finnois": "fi",
    "francais": "fr",
    "grec": "el",
    "hebreu": "he",
    "hindi": "hi",
    "hongrois": "hu",
    "italien": "it",
    "japonais": "ja",
    "letton": "lv",
    "lituanien": "lt",
    "neerlandais": "nl",
    "norvegien": "no",
    "persan": "fa",
    "polonais": "pl",
    "portugais": "pt",
    "roumain": "ro",
    "russe": "ru",
    "serbe": "sr",
    "slovaque": "sk",
    "slovene": "sl",
    "suedois": "sv",
    "tcheque": "cs",
    "thai": "th",
    "turc": "tr",
    "ukrainien": "uk",
    "vietnamien": "vi",
}

_DURATION = re.compile(r"(\d+)\s*(an|mois)", re.IGNORECASE)
_LICENCE = re.compile(r"^\s*([A-Z][A-Z0-9]{0,3})\s*(?:-|$)")


def plain(text: str) -> str:
    """Lower case, without accents or surrounding spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


def language_code(label: str) -> str | None:
    """ISO 639-1 code of a language named in French ("Anglais" -> "en"), None when unknown."""
    words = plain(label).split()
    return LANGUAGES.get(words[0]) if words else None


def experience_months(label: str | None) -> int:
    """Months of experience in texts like "2 An(s)", "6 Mois" or "Débutant accepté" (0)."""
    if not label:
        return 0
    found = _DURATION.search(label)
    if found is None:
        return 0
    amount = int(found.group(1))
    return amount * 12 if found.group(2).lower() == "an" else amount


def licence_category(label: str) -> str | None:
    """Category of a licence label such as "B - Véhicule léger" ("B"), None when there is none."""
    found = _LICENCE.match(label)
    return found.group(1) if found else None
