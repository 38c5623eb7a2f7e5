"""What a document is: from the editor's manifest, or guessed from its text.

`manifest.toml` in a corpus folder holds one table per document, keyed by the
doc id (the file name without extension)::

    [documents.dalarna-overenskommelse-2021]
    title = "Länsövergripande överenskommelse om samverkan"
    region = "Dalarna"
    doc_type = "länsöverenskommelse"
    parties = ["Region Dalarna", "Dalarnas kommuner"]
    valid_from = 2021-07-01
    valid_to = 2024-06-30
    status = "gällande"

A document without an entry gets a `guess_meta` description (guessed=True).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
from collections import Counter
from functools import lru_cache
from pathlib import Path

from ingest.counties import Lan, regions
from ingest.model import DocumentMeta
from ingest.topic import REMISS_TITLE_RE

MANIFEST_NAME = "manifest.toml"

STATUSES = ("gällande", "förslag", "remiss", "upphävd")
DOC_TYPES = (
    "länsöverenskommelse",
    "överenskommelse",
    "rutin",
    "handlingsplan",
    "nämndhandling",
    "remiss",
    "nationell riktlinje",
    "vård- och insatsprogram",
)
_KEYS = ("title", "region", "doc_type", "parties", "decided", "valid_from", "valid_to", "status", "in_scope")
_DATE_KEYS = ("decided", "valid_from", "valid_to")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ManifestError(ValueError):
    """A malformed manifest; the message, in Swedish, names the file, the document and the key."""


# ---------------------------------------------------------------------------
# Regions (län)


@lru_cache(maxsize=1)
def _region_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for lan in regions():
        forms = sorted(set(lan.variants), key=len, reverse=True)  # longest first: one count per mention
        alternation = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
        out.append((lan.name, re.compile(rf"(?<![\w-])(?:{alternation})s?(?!\w)", re.IGNORECASE)))
    return tuple(out)


def _fold(s: str) -> str:
    """Lower-case ASCII, words joined by '-': 'Västra Götaland' -> 'vastra-gotaland'."""
    s = s.lower().translate(str.maketrans("åäöéü", "aaoeu"))
    return "-".join(t for t in re.split(r"[^a-z0-9]+", s) if t)


def canonical_region(value: str) -> str | None:
    """The län name for a name, official name or variant form ('Region Dalarna' -> 'Dalarna')."""
    key = " ".join(value.split()).casefold()
    for lan in regions():
        if key in {f.casefold() for f in (lan.name, lan.official, *lan.variants)}:
            return lan.name
    return None


def region_in_name(doc_id: str) -> str | None:
    """The län a file name or an address names: by its own tokens ("sthlm"), else by one of its
    kommuner ("botkyrka-rutin-…", "botwebb.botkyrka.se")."""
    folded = f"-{_fold(doc_id)}-"
    for tokens in (lambda lan: lan.file_names, _kommun_tokens):
        for lan in regions():
            if any(f"-{token}-" in folded or f"-{token}s-" in folded for token in tokens(lan)):
                return lan.name
    return None


# A kommun's name names its län in a file name only when it is this long: "mora", "vara", "åre" (are)
# and "boden" are also words.
KOMMUN_TOKEN_LENGTH = 6


def _kommun_tokens(lan: Lan) -> list[str]:
    return [token for token in map(_fold, lan.kommuner) if len(token) >= KOMMUN_TOKEN_LENGTH]


@lru_cache(maxsize=1)
def _kommun_issuer_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """ "Botkyrka kommun", "Kommunen Botkyrka": an issuer that is a kommun, its name written as a name
    or in capitals ("BOTKYRKA KOMMUN"; "vara kommun" is not Vara's)."""
    out = []
    for lan in regions():
        written = sorted({form for k in lan.kommuner for form in (k, k.upper())}, key=len, reverse=True)
        names = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in written)
        out.append(
            (lan.name, re.compile(rf"(?<![\w-])(?:(?:{names})[sS]?\s+(?i:kommuns?)|(?i:kommunen)\s+(?:{names}))(?!\w)"))
        )
    return tuple(out)


def region_of_kommun(text: str) -> str | None:
    """The län of the first kommun the text names as one ("Härnösands kommun")."""
    found = [(m.start(), name) for name, pattern in _kommun_issuer_patterns() for m in [pattern.search(text)] if m]
    return min(found)[1] if found else None


def region_in_text(text: str, at_least: int = 1) -> str | None:
    """The län mentioned most often (and at least `at_least` times); ties go to the one mentioned first."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for name, pattern in _region_patterns():
        for m in pattern.finditer(text):
            counts[name] += 1
            first.setdefault(name, m.start())
    if not counts:
        return None
    best = min(counts, key=lambda n: (-counts[n], first[n]))
    return best if counts[best] >= at_least else None


# ---------------------------------------------------------------------------
# Manifest


def load_manifest(folder: Path) -> dict[str, DocumentMeta]:
    """Entries of `folder/manifest.toml` by doc id; {} when the folder has no manifest.

    Raises ManifestError (a ValueError) naming the file, the document and the
    offending key when the manifest is malformed.
    """
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ManifestError(f"{path.name}: är inte giltig TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise ManifestError(f"{path.name}: är inte UTF-8-text: {e}") from e
    return parse_manifest(raw, path.name)


def parse_manifest(raw: dict, file_name: str = MANIFEST_NAME) -> dict[str, DocumentMeta]:
    extra = set(raw) - {"documents"}
    if extra:
        raise ManifestError(
            f"{file_name}: okänd nyckel {sorted(extra)[0]!r} på översta nivån; "
            "beskriv varje dokument i en tabell [documents.<dokument-id>]"
        )
    documents = raw.get("documents", {})
    if not isinstance(documents, dict):
        raise ManifestError(f"{file_name}: 'documents' ska vara tabeller, [documents.<dokument-id>]")
    return {doc_id: _entry(doc_id, entry, file_name) for doc_id, entry in documents.items()}


def _date(value: object, fail) -> str | None:
    """An ISO date from TOML (a date, or a string of one); `fail(problem)` makes the error to raise."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):  # a datetime is a date too: check it first
        raise fail(f"ska vara ett datum (ÅÅÅÅ-MM-DD) utan klockslag, inte {value!r}")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise fail(f"finns inte som datum: {value!r}") from None
    raise fail(f"ska vara ett datum ÅÅÅÅ-MM-DD, inte {value!r}")


def _entry(doc_id: str, entry: object, file_name: str) -> DocumentMeta:
    where = f"{file_name}: [documents.{doc_id}]"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where}: ska vara en tabell med nycklar, inte {entry!r}")

    def fail(key: str, problem: str) -> ManifestError:
        return ManifestError(f"{where} {key}: {problem}")

    for key in entry:
        if key not in _KEYS:
            raise fail(key, f"okänd nyckel; tillåtna är {', '.join(_KEYS)}")

    def text(key: str) -> str | None:
        value = entry.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"ska vara en text som inte är tom, inte {value!r}")
        return value.strip()

    title = text("title")
    if title is None:
        raise fail("title", "saknas; varje dokument behöver en titel")

    region = text("region")
    if region is not None:
        canonical = canonical_region(region)
        if canonical is None:
            raise fail("region", f"okänt län {region!r}; tillåtna är {', '.join(known.name for known in regions())}")
        region = canonical

    doc_type = text("doc_type")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise fail("doc_type", f"okänd dokumenttyp {doc_type!r}; tillåtna är {', '.join(DOC_TYPES)}")

    status = text("status") or "gällande"
    if status not in STATUSES:
        raise fail("status", f"okänd status {status!r}; tillåtna är {', '.join(STATUSES)}")

    parties = entry.get("parties", [])
    if isinstance(parties, str):
        parties = [parties]
    if not isinstance(parties, list) or not all(isinstance(p, str) and p.strip() for p in parties):
        raise fail("parties", f"ska vara en lista med namn, inte {parties!r}")

    dates = {key: _date(entry.get(key), lambda problem, key=key: fail(key, problem)) for key in _DATE_KEYS}
    if dates["valid_from"] and dates["valid_to"] and dates["valid_from"] > dates["valid_to"]:
        raise fail("valid_to", f"{dates['valid_to']} är före valid_from {dates['valid_from']}")

    in_scope = entry.get("in_scope", False)
    if not isinstance(in_scope, bool):
        raise fail("in_scope", f"ska vara true eller false, inte {in_scope!r}")

    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        region=region,
        doc_type=doc_type,
        in_scope=in_scope,
        parties=[p.strip() for p in parties],
        decided=dates["decided"],
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        status=status,
        guessed=False,
    )


# ---------------------------------------------------------------------------
# Guessing

_GENERIC_HEADINGS = {
    "inledning",
    "innehåll",
    "innehållsförteckning",
    "bakgrund",
    "sammanfattning",
    "förord",
    "datum",
    "sida",
    "bilaga",
    "bilagor",
    "dnr",
    "diarienummer",
    "till",
    "från",
    "ämne",
}
_DATEISH = re.compile(
    r"^(\d{4}\s*-\s*\d{2}\s*-\s*\d{2}|\d{1,2}\s+\w+\s+\d{4}|\d{4}|\d+\s*(\(\d+\))?|sid(a)?\s*\d+.*|\d+\s*/\s*\d+)$",
    re.IGNORECASE,
)
# "Ta inte bort denna rad den innehåller dold information", "Klicka här för att ange text"
_PLACEHOLDER = re.compile(
    r"\bta inte bort\b|\bdold information\b|\bklicka (?:eller tryck )?här\b|\bskriv (?:rubrik|titel) här\b", re.I
)
_NUMBERING = re.compile(r"^(\d+(\.\d+)*\.?|[IVX]+\.)\s+")


def _clean_line(line: str) -> str:
    line = line.strip()
    line = re.sub(r"^#{1,6}\s*", "", line)
    line = re.sub(r"</?\w+>", "", line)  # stray HTML tags
    line = line.replace("**", "").replace("__", "").strip(" *_\t")
    return " ".join(line.split())


def _title_candidate(line: str) -> str | None:
    if "\t" in line or "...." in line or "…" in line:  # table rows, table of contents
        return None
    text = _clean_line(line)
    if len(text) < 3 or _DATEISH.match(text):
        return None
    head = re.sub(r"[:.]+$", "", text).casefold()
    if head.split(" ")[0] in {"datum", "dnr", "diarienummer", "sida", "sid"}:
        return None
    if _PLACEHOLDER.search(text):
        return None  # a Word template's instruction line, not the document's title
    unnumbered = _NUMBERING.sub("", text)
    if unnumbered.casefold().rstrip(":. ") in _GENERIC_HEADINGS or len(unnumbered) < 3:
        return None
    if not (unnumbered[0].isupper() or unnumbered[0].isdigit()):
        return None  # a wrapped prose line
    if len(unnumbered.split()) > 18 or unnumbered.endswith((",", ";")) or "@" in unnumbered:
        return None
    if re.match(r"^(från|till|skickat|kopia|ämne|bifogade filer)\s*:", unnumbered, re.IGNORECASE):
        return None
    return unnumbered


def guess_title(doc_id: str, text: str) -> str:
    """The first Markdown heading near the top, else the first prominent line, else the file name."""
    lines = [line for line in text.splitlines()[:400] if line.strip()]
    for line in lines[:15]:
        if line.lstrip().startswith("#"):
            candidate = _title_candidate(line)
            if candidate:
                return candidate
    for line in lines[:200]:
        candidate = _title_candidate(line)
        if candidate:
            return candidate
    return doc_id.replace("_", " ").replace("-", " ").strip().capitalize() or doc_id


# A national body's name or a national document's title: "Socialstyrelsen", "Folkhälsomyndigheten",
# "Läkemedelsverket", "Statens …", "Sveriges …", "Nationella riktlinjer …"
_NATIONAL = re.compile(
    r"\b(?:\w+(?:styrelsen|myndigheten|verket|inspektionen)|statens|sveriges|nationell[at]?)\b", re.I
)
MIN_MENTIONS = 2  # a county named once in passing does not make the document the county's


def guess_region(doc_id: str, text: str, head: dict[str, str] | None = None) -> str | None:
    """The county of the document's issuer: from the file name, the head (issuer, decision, title) or
    the address it was published at; else, unless the document is national, the county its text
    names most (credits such as "Granskare: …, Region Skåne" are gone from the text by then)."""
    head = head or {}
    issuer = " ".join(head.get(k, "") for k in ("issuer", "decided_by", "title", "doc_name", "heading_title"))
    found = (
        region_in_name(doc_id)
        or region_in_text(issuer)
        or region_of_kommun(issuer)
        or region_in_name(head.get("source_url", ""))
    )
    if found or _NATIONAL.search(issuer):
        return found
    return region_in_text(text, MIN_MENTIONS)


# (doc_type, pattern) in the order used when several match a title or file name.
_TYPE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("remiss", REMISS_TITLE_RE),
    ("nationell riktlinje", re.compile(r"(nationella\s+)?riktlinje", re.IGNORECASE)),
    ("vård- och insatsprogram", re.compile(r"vård-\s*och\s+insatsprogram", re.IGNORECASE)),
    ("handlingsplan", re.compile(r"handlingsplan", re.IGNORECASE)),
    (
        "länsöverenskommelse",
        re.compile(r"läns\w*\s*överenskommelse|länsövergripande|länsöverenskommelse", re.IGNORECASE),
    ),
    ("överenskommelse", re.compile(r"överenskommelse", re.IGNORECASE)),
    ("rutin", re.compile(r"\brutin", re.IGNORECASE)),
    ("nämndhandling", re.compile(r"nämnd|sammanträde|kallelse|föredragningslista|protokoll", re.IGNORECASE)),
)
_COUNTY_WIDE = re.compile(r"länsövergripande|länsöverenskommelse", re.IGNORECASE)
_SOCIALSTYRELSEN = re.compile(r"socialstyrelsen", re.IGNORECASE)


def _unfold_name(doc_id: str) -> str:
    """A file name read as words, with the common ASCII spellings put back."""
    s = doc_id.lower().replace("_", " ").replace("-", " ")
    for ascii_form, swedish in (
        ("overenskommelse", "överenskommelse"),
        ("namnd", "nämnd"),
        ("sammantrade", "sammanträde"),
        ("vard och insatsprogram", "vård- och insatsprogram"),
    ):
        s = s.replace(ascii_form, swedish)
    return s


def guess_doc_type(doc_id: str, title: str, text: str) -> str | None:
    """From the title, then the file name (first rule that matches), then the opening of the text
    (the type word that comes first). "remiss" counts there only on a heading or title line: in a
    sentence it is a referral ("Läkaren kan ge en remiss")."""
    has_sos = bool(_SOCIALSTYRELSEN.search(text))

    def allowed(doc_type: str) -> bool:
        return doc_type != "nationell riktlinje" or has_sos

    opening = text[:3000]
    for source in (title, _unfold_name(doc_id)):
        for doc_type, pattern in _TYPE_RULES:
            if allowed(doc_type) and pattern.search(source):
                if doc_type == "överenskommelse" and _COUNTY_WIDE.search(opening):
                    return "länsöverenskommelse"  # "Denna länsövergripande överenskommelse …"
                return doc_type
    hits = []
    for doc_type, pattern in _TYPE_RULES:
        if doc_type == "remiss":
            at = next(
                (opening.find(ln) for ln in opening.split("\n") if _headline(ln) and pattern.search(_clean_line(ln))),
                None,
            )
        else:
            m = pattern.search(opening)
            at = m.start() if m else None
        if at is not None and allowed(doc_type):
            hits.append((at, doc_type))
    return min(hits)[1] if hits else None


HEADLINE_WORDS = 12
# "Förslag", "FÖRSLAG 2024-03-01", "Utkast": a status line; "Förslag till beslut" is a memo's proposed decision
_PROPOSAL_TITLE = re.compile(r"\b(?:förslag|utkast)\b(?!\s+till\s+beslut)", re.IGNORECASE)


def _headline(line: str) -> bool:
    """A heading or a title line: short, and not a sentence."""
    words = _clean_line(line).split()
    return 0 < len(words) <= HEADLINE_WORDS and not words[-1].endswith((".", ",", ";"))


def status_marks(text: str, head: dict[str, str]) -> list[str]:
    """What the document says of its own status: its head's kind, version and status lines, and the
    short status lines at its top ("REMISS", "Förslag 2024-03-01", "Remissversion")."""
    top = [_clean_line(line) for line in text.split("\n")[:40] if _headline(line)][:15]
    marks = [t for t in top if len(t.split()) <= 4 and (_PROPOSAL_TITLE.match(t) or REMISS_TITLE_RE.match(t))]
    return [head.get(k, "") for k in ("doc_kind", "version", "status", "doc_name", "heading_title")] + marks


def guess_status(doc_id: str, title: str, doc_type: str | None, marks: list[str] | tuple = ()) -> str:
    """From the title, the file name and the document's own status marks (`status_marks`), never
    from a sentence: "Läkaren kan ge en remiss" is a referral."""
    own = [title, *marks]
    if any(_PROPOSAL_TITLE.search(t) for t in own) or re.search(r"(^|[-_])forslag", doc_id.lower()):
        return "förslag"
    if doc_type == "remiss" or any(REMISS_TITLE_RE.search(t) for t in [*own, _unfold_name(doc_id)]):
        return "remiss"
    return "gällande"


def _without_site(title: str | None, heading: str | None) -> str | None:
    """A page's own heading where its title is that heading and the site's name ("Alkohol och äldre -
    Kunskapsguiden" over "# Alkohol och äldre")."""
    if (
        title
        and heading
        and title.startswith(heading)
        and re.fullmatch(r"\s*[-–|·:]\s*\S.{0,60}", title[len(heading) :])
    ):
        return heading
    return None


def guess_meta(doc_id: str, text: str, head: dict[str, str] | None = None) -> DocumentMeta:
    """A description for a document the manifest does not list, marked guessed=True.

    What the document's own head states (front matter, control header, title heading; see
    ingest/header.py) comes before guesses from its text and file name.
    """
    head = head or {}
    title = (
        _without_site(head.get("title"), head.get("heading_title"))
        or next((head[k] for k in ("title", "doc_name", "heading_title") if head.get(k)), None)
        or _name_title(head.get("file_name", ""))
        or guess_title(doc_id, text)
    )
    doc_type = guess_doc_type(doc_id, " ".join([title, head.get("doc_kind", ""), head.get("heading_title", "")]), text)
    return DocumentMeta(
        doc_id=doc_id,
        title=title,
        region=guess_region(doc_id, text, head | {"title": title}),
        doc_type=doc_type,
        decided=_head_date(head, "decided"),
        valid_from=_head_date(head, "valid_from"),
        valid_to=_head_date(head, "valid_to"),
        status=guess_status(doc_id, title, doc_type, status_marks(text, head)),
        guessed=True,
    )


def _name_title(file_name: str) -> str | None:
    """A scraped page's own file name as words ("beroende-av-droger.md" → "Beroende av droger")."""
    words = " ".join(re.sub(r"\.\w{1,5}$", "", file_name).replace("_", "-").split("-")).strip()
    return words[:1].upper() + words[1:] or None


def _head_date(head: dict[str, str], key: str) -> str | None:
    match = _ISO_DATE.search(head.get(key, ""))
    return match.group(0) if match else None


def meta_for(
    doc_id: str, text: str, manifest: dict[str, DocumentMeta], head: dict[str, str] | None = None
) -> DocumentMeta:
    """The manifest's entry for the document (a copy), else what its head says and a guess from its name and text."""
    entry = manifest.get(doc_id)
    if entry is not None:
        return dataclasses.replace(entry, doc_id=doc_id, parties=list(entry.parties))
    return guess_meta(doc_id, text, head)
