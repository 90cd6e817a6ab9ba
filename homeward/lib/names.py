"""Names across Lao, Thai and Latin script: normalise, transliterate, and derive search keys.

No library romanises Lao (ICU returns Lao text unchanged; anyascii does not reorder pre-posed vowels), so Lao
text is mapped code point by code point onto the parallel Thai block (U+0E80..U+0EFF minus 0x80, with a few
fixes for letters that differ), then romanised with PyThaiNLP's rule-based ``royin`` engine. A spelling
"fold" and a consonant "skeleton" then make Phonsavanh, Phonesavan and ພອນສະຫວັນ meet.

The folding rules and the nickname table are data (``data/name_rules.json``), not code.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("data") / "name_rules.json"

LAO_START, LAO_END = 0x0E80, 0x0EFF
THAI_START, THAI_END = 0x0E00, 0x0E7F

# Lao letters whose Thai counterpart is not at code point - 0x80, or that need spelling out.
_LAO_FIXES = {
    "\u0ebb": "",  # LAO VOWEL SIGN MAI KON (short o in a closed syllable): Thai writes no vowel
    "\u0ecd": "อ",  # LAO NIGGAHITA, used as the vowel o (ບໍ່): Thai writes อ
    "\u0edc": "หน",  # LAO HO NO
    "\u0edd": "หม",  # LAO HO MO
    "\u0ebc": "ล",  # LAO SEMIVOWEL SIGN LO (ຫຼ)
    "\u0ebd": "ย",  # LAO SEMIVOWEL SIGN NYO
    "\u0e8d": "ย",  # LAO LETTER NYO: Thai ญ romanises oddly, ย reads the same
    "\u0eaa": "ส",
    "\u0e8a": "ซ",  # LAO LETTER SO TAM: sounds s/x, as Thai ซ
    "\u0ea3": "ร",
    "\u0eb3": "ำ",
    "\u0edf": "",
}

_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_TOKEN_SPLIT = re.compile(r"[\s,;/()\[\]\.\-_'\"’]+")
_TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "mme",
    "mlle",
    "m",
    "ທ້າວ",
    "ນາງ",
    "ນາຍ",
    "ທ່ານ",
    "นาย",
    "นาง",
    "นางสาว",
    "เด็กชาย",
    "เด็กหญิง",
}


def normalise(text: str) -> str:
    """NFKC, case-folded, Lao ຫລ/ຫຼ and decomposed ຳ made one form, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = text.replace("\u0eab\u0ea5", "\u0eab\u0ebc")  # ຫລ -> ຫຼ (both occur in every source)
    text = text.replace("\u0ecd\u0eb2", "\u0eb3")  # ໍ + າ -> ຳ
    text = text.replace("\u0e4d\u0e32", "\u0e33")  # ํ + า -> ำ
    text = unicodedata.normalize("NFKC", text)
    # Strip Latin combining marks (Phôngsali -> Phongsali) but keep Lao and Thai marks, which carry meaning.
    stripped = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn" and not (
            LAO_START <= ord(ch) <= LAO_END or THAI_START <= ord(ch) <= THAI_END
        ):
            continue
        stripped.append(ch)
    text = unicodedata.normalize("NFC", "".join(stripped))
    return " ".join(text.casefold().split())


def script_of(token: str) -> str:
    for ch in token:
        code = ord(ch)
        if LAO_START <= code <= LAO_END:
            return "lao"
        if THAI_START <= code <= THAI_END:
            return "thai"
    return "latin"


def lao_to_thai(text: str) -> str:
    text = text.replace("\u0ecd\u0eb2", "\u0eb3")  # NFKC splits ຳ; put it back before mapping
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _LAO_FIXES:
            out.append(_LAO_FIXES[ch])
        elif LAO_START <= code <= LAO_END:
            out.append(chr(code - 0x80))
        else:
            out.append(ch)
    return "".join(out)


@cache
def _romanize_thai(token: str) -> str:
    from pythainlp.transliterate import romanize

    try:
        return romanize(token, engine="royin").lower()
    except Exception:  # pragma: no cover - royin is rule-based; guard against odd input
        return ""


def romanise(token: str) -> str:
    """A Latin spelling of one token in any of the three scripts (lower case ASCII)."""
    script = script_of(token)
    if script == "lao":
        token = _romanize_thai(lao_to_thai(token))
    elif script == "thai":
        token = _romanize_thai(token.replace("\u0e4d\u0e32", "\u0e33"))
    ascii_only = unicodedata.normalize("NFKD", token).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(_LATIN_TOKEN.findall(ascii_only))


@dataclass(frozen=True)
class Rules:
    fold: tuple[tuple[re.Pattern[str], str], ...]
    nicknames: dict[str, tuple[str, ...]]


@cache
def rules() -> Rules:
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    fold = tuple((re.compile(pattern), replacement) for pattern, replacement in data["fold"])
    nicknames = {k: tuple(v) for k, v in data.get("nicknames", {}).items() if not k.startswith("_")}
    return Rules(fold=fold, nicknames=nicknames)


def fold(latin: str) -> str:
    """Fold a romanised token so that common spelling variants become one string."""
    text = latin
    for pattern, replacement in rules().fold:
        text = pattern.sub(replacement, text)
    return re.sub(r"(.)\1+", r"\1", text)


def skeleton(latin: str) -> str:
    """The folded token without vowels after the first letter: a loose key."""
    folded = fold(latin)
    if not folded:
        return ""
    return folded[0] + re.sub(r"[aeiouw]", "", folded[1:]).replace("h", "")


def tokens(text: str) -> list[str]:
    parts = [p for p in _TOKEN_SPLIT.split(normalise(text)) if p]
    return [p for p in parts if p not in _TITLES]


# Match levels, strongest first. A query token matches a name token at one of these levels.
EXACT, FOLD, SKELETON = "x", "f", "s"
LEVEL_WEIGHT = {EXACT: 3, FOLD: 2, SKELETON: 1}


def token_keys(token: str) -> dict[str, str]:
    """The keys of one normalised token: exact text, folded romanisation, consonant skeleton."""
    return dict(_token_keys(token))


# Names repeat (a country has a few thousand given names): the keys of a token are worked out once per process.
# ``forget_rules`` empties this memory with the rules themselves, when the folding rules are edited.
@lru_cache(maxsize=100_000)
def _token_keys(token: str) -> tuple[tuple[str, str], ...]:
    keys = {EXACT: token}
    latin = romanise(token)
    if latin:
        keys[FOLD] = fold(latin)
        sk = skeleton(latin)
        if len(sk) >= 2:
            keys[SKELETON] = sk
    return tuple(keys.items())


def forget_rules() -> None:
    """Read the folding rules and nicknames again (after they were edited), and forget keys worked out before."""
    rules.cache_clear()
    _token_keys.cache_clear()


def name_keys(names: Iterable[str]) -> set[tuple[str, str]]:
    """Every (level, value) key of every token of the given names, with nickname expansions."""
    found: set[tuple[str, str]] = set()
    for name in names:
        if not name:
            continue
        for token in tokens(name):
            variants = [token, *rules().nicknames.get(romanise(token), ())]
            for variant in variants:
                for level, value in token_keys(variant).items():
                    if value:
                        found.add((level, value))
    return found


def query_keys(query: str) -> list[dict[str, str]]:
    """For each distinct token of a query, its keys by level (the search wants every token to match)."""
    return [token_keys(token) for token in dict.fromkeys(tokens(query))]
