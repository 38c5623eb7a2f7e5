"""Remove personal data from source text before anything is stored, embedded or shown.

Redaction rule:

- Always removed, wherever they occur: e-mail addresses, phone numbers,
  personnummer and samordningsnummer, customer numbers (a number labelled
  Kundnummer/Kundnr/Klientnummer, or standing in the Kundnummer column of a
  list), and staff ids in parentheses after a name, e.g. "(AA33278)".
- Names of persons are removed when they are entries of a list of persons:
  a staff, attestant, customer or waiting list, that is three or more
  consecutive lines that each consist of a name, or of an e-mail address
  with names, or a table row that carries a customer number.
- Names of officials outside such lists stay, because documents of public
  bodies are public record: authors, senders, signatories, responsible
  officials ("Ansvarig handläggare: …"), chairs and speakers.
- Never touched: dates, diarienummer, law references ("5 kap. 9a § SoL"),
  section, page and item numbers, years, amounts, postal codes and
  priority marks such as "(prio 3)".

Removed data is replaced by a visible typed marker ("[e-post]", "[telefon]",
"[personnummer]", "[kundnummer]", "[id]", "[namn]"), so a reader sees that
something was there.
"""

from __future__ import annotations

import re

_EMAIL_MD_LINK_RE = re.compile(r"\[[^\]\n]*@[^\]\n]*\]\(mailto:[^)\n]*\)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# an OCR-damaged address ("akram heidari@harnosand �"): the token around the @
_BROKEN_EMAIL_RE = re.compile(r"[^\s@]*@[^\s@]*")
# an address whose @ the OCR lost ("eva.ehn�harnosand.se"), recognised only inside a list of persons
_ADDRESS_TOKEN_RE = re.compile(r"^[^\s@]+\.[^\s@]+\.(?:se|nu|com|org|net|eu)$", re.I)
_PERSONNUMMER_RE = re.compile(
    r"(?<![\w-])(?:19|20)?\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])(?P<sep>[-+]?)\d{4}(?![\w-])"
)
_PHONE_RE = re.compile(
    r"(?<![\w+.,-])(?:\+46\s?(?:\(0\)\s?)?[1-9]\d{0,2}|0[1-9]\d{0,2})(?:\s?[-–]\s?|\s)?\d{2,4}(?:\s?\d{2,4}){0,3}(?![\w-])"
)
_STAFF_ID_RE = re.compile(r"(?<=\()[A-Z]{1,3}\d{4,6}(?=\))")
_CUSTOMER_LABEL = r"(?:kund|klient|brukar)(?:nummer|nr\.?)"
_CUSTOMER_NO_RE = re.compile(rf"(?i)(\b{_CUSTOMER_LABEL}\s*[:.]?\s*)\d[\d -]{{2,12}}\d\b")
_CUSTOMER_HEADER_RE = re.compile(rf"(?i)\b{_CUSTOMER_LABEL}\b")
_ROW_NUMBER_RE = re.compile(r"\b\d{4,10}\s*$")

_NAME_WORD_RE = re.compile(r"^[A-ZÅÄÖÉÜ][a-zåäöéüß]+(?:-[A-ZÅÄÖÉÜ][a-zåäöéüß]+)*[,.]?$")
# Units and places are capitalised like names; lines ending in these are not persons.
_ORG_WORD_RE = re.compile(
    r"(?i)(?:kommun|region|landsting|län|nämnd|nämnden|enhet|enheten|förvaltning|förvaltningen|styrelse|"
    r"styrelsen|sjukhus|sjukhuset|mottagning|mottagningen|psykiatri|psykiatrin|vård|vården|centrum|förbund|"
    r"förbundet|stad|staden|kommunen|regionen)[,.]?$"
)


def redact(text: str) -> tuple[str, int]:
    """Returns the text with personal data replaced by markers, and how many were replaced."""
    lines, count = _redact_lists(text.split("\n"))
    out = "\n".join(lines)
    for pattern, replace in (
        (_EMAIL_MD_LINK_RE, "[e-post]"),
        (_EMAIL_RE, "[e-post]"),
        (_BROKEN_EMAIL_RE, "[e-post]"),
        (_PERSONNUMMER_RE, _personnummer),
        (_PHONE_RE, _phone),
        (_STAFF_ID_RE, "[id]"),
        (_CUSTOMER_NO_RE, lambda m: m.group(1) + "[kundnummer]"),
    ):
        out, n = _subn(pattern, replace, out)
        count += n
    return out, count


def _subn(pattern: re.Pattern, replace, text: str) -> tuple[str, int]:
    """Like `re.subn`, but a replacement function may decline a match by returning it unchanged."""
    changed = 0

    def counted(match: re.Match) -> str:
        nonlocal changed
        new = replace(match) if callable(replace) else replace
        changed += new != match.group(0)
        return new

    return pattern.sub(counted, text), changed


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits[-10:]):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _personnummer(match: re.Match) -> str:
    """Without a separator ten or twelve digits may be anything, so the check digit must agree."""
    if match.group("sep") or _luhn_ok(re.sub(r"\D", "", match.group(0))):
        return "[personnummer]"
    return match.group(0)


def _phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[telefon]" if 7 <= len(digits) <= 13 else match.group(0)


# --- lists of persons --------------------------------------------------------


def _kind(line: str) -> str:
    """strict: a clean name; loose: an OCR-damaged name; email: a contact row; other."""
    tokens = line.strip().split()
    if not tokens:
        return "blank"
    if ("@" in line or _ADDRESS_TOKEN_RE.match(tokens[0])) and len(tokens) <= 12:
        return "email"
    if _ORG_WORD_RE.search(tokens[-1]) or line.rstrip().endswith(":"):  # a unit or a label
        return "other"
    if 2 <= len(tokens) <= 4 and all(_NAME_WORD_RE.match(t) for t in tokens):
        return "strict"
    mostly_letters = all(len(t) >= 2 and sum(c.isalpha() for c in t) * 2 >= len(t) for t in tokens)
    if not mostly_letters or len(tokens) > 5 or any(t.isupper() and len(t) >= 3 for t in tokens):
        return "other"
    if len(tokens) == 1:  # "MaUCollin": a plain word like "Datum" or "Vakant" is not a name
        return "loose" if re.search(r".[A-ZÅÄÖ]|[^\w-]|\d", tokens[0]) else "other"
    return "loose" if sum(not t[0].isupper() for t in tokens) <= 1 else "other"


def _redact_lists(lines: list[str]) -> tuple[list[str], int]:
    lines = list(lines)
    count = _redact_customer_tables(lines)
    run: list[int] = []
    for i in range(len(lines) + 1):
        kind = _kind(lines[i]) if i < len(lines) else "other"  # past the end closes the last run
        if kind == "blank":
            continue
        if kind in ("strict", "loose", "email"):
            run.append(i)
            continue
        run = _attached(run, lines)
        anchors = [j for j in run if _kind(lines[j]) in ("strict", "email")]
        if len(run) >= 3 and len(anchors) >= 2:
            for j in run:
                lines[j], n = _redact_entry(lines[j])
                count += n
        run = []
    return lines, count


def _attached(run: list[int], lines: list[str]) -> list[int]:
    """Damaged names count only next to a clean name, so column headers after an address list stay."""
    kinds = [_kind(lines[j]) for j in run]
    keep = []
    for k, j in enumerate(run):
        if kinds[k] != "loose":
            keep.append(j)
            continue
        before = next((kind for kind in reversed(kinds[:k]) if kind != "loose"), None)
        after = next((kind for kind in kinds[k + 1 :] if kind != "loose"), None)
        if "strict" in (before, after):
            keep.append(j)
    return keep


def _redact_entry(line: str) -> tuple[str, int]:
    """One list entry: its address (however damaged) and every name on it become markers."""
    indent = line[: len(line) - len(line.lstrip())]
    if _kind(line) != "email":
        return indent + "[namn]", 1
    at = line.find("@") if "@" in line else len(indent) + len(line.split()[0])
    names = re.search(r"\s[A-ZÅÄÖ][^@]*$", line[at:])
    return indent + "[e-post]" + (" [namn]" if names else ""), 1 + bool(names)


def _redact_customer_tables(lines: list[str]) -> int:
    """Rows under a header naming a customer-number column: the number and the person at the row start."""
    count = 0
    in_table = False
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if _CUSTOMER_HEADER_RE.search(line) and not re.search(r"\d", line):
            in_table = True
            continue
        if not in_table:
            continue
        number = _ROW_NUMBER_RE.search(line)
        if not number:
            in_table = False
            continue
        row = line[: number.start()] + "[kundnummer]"
        count += 1
        tokens = row.split(" ")
        lead = 0
        while lead < min(len(tokens), 3) and _NAME_WORD_RE.match(tokens[lead]):
            lead += 1
        if lead >= 2:
            row = " ".join(["[namn]", *tokens[lead:]])
            count += 1
        lines[i] = row
    return count
