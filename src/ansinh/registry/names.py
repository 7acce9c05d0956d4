"""Name keys for finding likely duplicates: the same person typed with or without diacritics, in any case."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from unidecode import unidecode

# Apostrophes join syllables of Ê Đê and other minority names ("H'Hen Niê"); some lists drop them ("HHen").
_APOSTROPHES = re.compile(r"['`]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_diacritics(text: str) -> str:
    """ASCII without diacritics, case kept: "Nguyễn Văn Đức" → "Nguyen Van Duc"."""
    # NFC first so decomposed input (macOS, some web forms) folds exactly like precomposed input.
    # unidecode also maps đ/Đ → d/D, and the look-alike Ð (U+00D0) that legacy TCVN3/VNI conversions leave.
    return unidecode(unicodedata.normalize("NFC", text))


def name_key(full_name: str) -> str:
    """Comparison key for a person's name: no diacritics, lower case, punctuation as space, single spaces.

    "Nguyễn  Văn Đức", "nguyen van duc" and "NGUYỄN VĂN ĐỨC" share the key "nguyen van duc".
    """
    folded = _APOSTROPHES.sub("", fold_diacritics(full_name).lower())
    return _NOT_ALNUM.sub(" ", folded).strip()


def likely_duplicate_key(full_name: str, date_of_birth: date) -> str:
    """Same name key and date of birth: two records with this key are flagged for an officer to review."""
    return f"{name_key(full_name)}|{date_of_birth.isoformat()}"
