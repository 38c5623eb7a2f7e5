"""The head of a document is metadata, not text to search.

Three kinds of head come before the body of documents from other authors:

- a converter's YAML front matter (`---` / `title: …` / `source_url: …` / `---`), which names
  the document and where it was published;
- a web-page reader's head (`Filename:` / `Title:` / `URL Source:` / `Published Time:` /
  `Markdown Content:`), which does the same for a scraped page; its Title is not always a title
  (a breadcrumb label "Du är här:", or the page's summary paragraph);
- a document-control header of Swedish routines and agreements: label/value lines such as
  "Dokumentet är beslutat av: …", "Dokumentansvarig är: …", "Giltig från:" with the value on the
  next line, "Dokumentet gäller tillsvidare", and the issuing administration on a line of its own.

All are read into `DocumentHead` and blanked out of the text (line numbers stay as they were),
so they never become a passage and the editor sees them as metadata on the inspect page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ingest.redact import is_marker

# Label (as a regular expression, matched at the start of a line) -> the field it fills.
_LABELS: tuple[tuple[str, str], ...] = (
    (r"dokumentet är beslutat av|beslutad av|beslutat av|fastställd av|godkänd av", "decided_by"),
    (r"dokumentet beslutades den|beslutsdatum|beslutad den|fastställd den|beslutad|fastställd", "decided"),
    (r"giltig från|gäller från|gäller fr\.o\.m\.?|giltighetstid från", "valid_from"),
    (r"giltig till|gäller till|gäller t\.o\.m\.?|giltig t\.o\.m\.?", "valid_to"),
    (r"giltighetstid|giltighetsperiod|giltighet", "validity"),  # "2024-07-01 – 2027-06-30": both ends
    (r"dokumentet uppdaterat den|senast uppdaterad|senast reviderad|reviderad", "revised"),
    (r"dokumentansvarig är|dokumentansvarig|dokumentägare|utarbetad av|upprättad av|författare", "owner"),
    (r"dokumentet ersätter|ersätter", "replaces"),
    (r"dokumentnamn|dokumentets namn|titel", "doc_name"),
    (r"dokumenttyp|dokumentslag", "doc_kind"),
    (r"gäller för|gäller inom|målgrupp", "scope"),
    (r"diarienummer|dnr", "diarienummer"),
    (r"version", "version"),
    (r"sida", "page"),
)
_LABEL_RE = re.compile(
    r"^\s*(?P<label>" + "|".join(f"(?:{pattern})" for pattern, _ in _LABELS) + r")\s*:\s*(?P<value>.*)$",
    re.IGNORECASE,
)
# Statements of validity without a label: "Dokumentet gäller tillsvidare", "Gäller tills vidare".
_UNTIL_FURTHER = re.compile(r"^\s*(?:dokumentet\s+)?gäller\s+tills?\s*vidare\.?\s*$", re.IGNORECASE)
# The issuing body on a line of its own: "Vård- och omsorgsförvaltningen", "Socialnämnden", "Exempelby kommun".
_ISSUER = re.compile(
    r"^\s*(?:[A-ZÅÄÖ][\w-]*(?:\s+(?:och|i|för)\s+|\s+|-\s*och\s+)?){0,5}"
    r"(?:\w*förvaltning(?:en)?|\w*nämnd(?:en)?|kommun|[Rr]egion\s+[A-ZÅÄÖ]\w+|\w+\s+läns\s+landsting"
    r"|[A-ZÅÄÖ]*FÖRVALTNING(?:EN)?|KOMMUN|REGION\s+[A-ZÅÄÖ]+)\s*$"  # a letterhead in capitals: "FALKENBERGS KOMMUN"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The fields of web-page readers' output format (the format's own words, whatever site was read).
_READER_FIELDS = {
    "filename": "file_name",
    "title": "title",
    "url source": "source_url",
    "url": "source_url",
    "published time": "published",
    "description": "description",
    "markdown content": "",
}
_READER_RE = re.compile(r"^(?P<key>[A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?):[ \t]*(?P<value>.*)$")
# "Start / Vård / Beroende", "Hem › Sjukdomar": the separators of a breadcrumb trail
_TRAIL_RE = re.compile(r"\s[/>›»]\s")
TITLE_WORDS = 20  # a "title" longer than this, or of several sentences, is a summary paragraph
HEAD_LINES = 40  # a control header sits in the first lines; further down a "Label:" line is text
BODY_WORDS = 12  # a line this long is body text: the head has ended
TITLE_PAGE_LINES = 3  # … unless no label came yet: a title page may hold this many ("Överenskommelse mellan …")


@dataclass
class DocumentHead:
    """What the head says about the document, and which source lines it took."""

    fields: dict[str, str] = field(default_factory=dict)
    lines: set[int] = field(default_factory=set)  # 0-based indices into the raw lines

    def date(self, name: str) -> str | None:
        match = _DATE.search(self.fields.get(name, ""))
        return match.group(0) if match else None


def read_head(lines: list[str]) -> DocumentHead:
    head = DocumentHead()
    start = _front_matter(lines, head) or _reader_head(lines, head)
    _control_header(lines, start, head)
    return head


def strip_head(lines: list[str], head: DocumentHead) -> list[str]:
    """The lines with the head blanked out, so line numbers still point into the source."""
    return ["" if i in head.lines else line for i, line in enumerate(lines)]


def _front_matter(lines: list[str], head: DocumentHead) -> int:
    """Reads `---` … `---` at the very top as YAML; returns the first line after it."""
    if not lines or lines[0].strip() != "---":
        return 0
    end = next((i for i in range(1, min(len(lines), 60)) if lines[i].strip() == "---"), None)
    if end is None:
        return 0
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return 0
    if not isinstance(data, dict):
        return 0
    for key, target in (
        ("title", "title"),
        ("source_url", "source_url"),
        ("url", "source_url"),
        ("source", "source_url"),
        ("date", "decided"),
        ("author", "owner"),
    ):
        value = data.get(key)
        if isinstance(value, (str, int, float)) and str(value).strip() and target not in head.fields:
            head.fields[target] = str(value).strip()
    head.lines.update(range(0, end + 1))
    return end + 1


def _reader_head(lines: list[str], head: DocumentHead) -> int:
    """A web-page reader's `Key: value` lines at the very top (two or more of its fields, blank lines
    between allowed); returns the first line after them."""
    found: dict[int, tuple[str, str]] = {}
    i = 0
    while i < min(len(lines), 20):
        text = lines[i].strip()
        match = _READER_RE.match(text)
        if match and match.group("key").lower() in _READER_FIELDS:
            found[i] = (_READER_FIELDS[match.group("key").lower()], match.group("value").strip())
        elif text:
            break
        i += 1
    if len(found) < 2:
        return 0
    for name, value in found.values():
        if name == "title":
            name, value = _reader_title(value)
        if name and value:
            head.fields.setdefault(name, value)
    head.lines.update(range(0, max(found) + 1))
    return max(found) + 1


def _reader_title(value: str) -> tuple[str, str]:
    """(field, value) for a reader's Title: a title, a summary paragraph (description), or nothing
    when it is a breadcrumb fragment ("Du är här:", "Start / Vård / Beroende"). A site name after
    " | " is not part of the title."""
    if value.endswith(":") or len(_TRAIL_RE.findall(value)) >= 2:
        return "", ""
    if len(value.split()) > TITLE_WORDS or len(re.findall(r"[.!?](?:\s|$)", value)) >= 2:
        return "description", value
    return "title", value.split(" | ")[0].strip()


def _value(text: str) -> str:
    """ "[2025-02-20]" → "2025-02-20"; a template's brackets carry nothing, a masked value's ("[namn]")
    say what it was."""
    if is_marker(text.strip()):
        return text.strip()
    text = text.strip().strip("[]").strip()
    return "" if re.fullmatch(r"[-_.\s]*", text) else text


def _control_header(lines: list[str], start: int, head: DocumentHead) -> None:
    """Label/value lines (the value on the same or the next line) near the top, before the body starts."""
    seen = 0
    i = start
    found_label = False
    body = 0  # long lines passed
    candidates: list[int] = []  # issuer lines, kept only when the head turns out to be a control header
    while i < len(lines) and seen < HEAD_LINES:
        text = lines[i].strip()
        if not text or re.fullmatch(r"-{3,}|\d{1,3}(?:\s*[/(]\s*\d{1,3}\)?)?", text):
            if text:
                seen += 1
            i += 1
            continue
        seen += 1
        labels = _labels(text)
        if len(text.split()) >= BODY_WORDS and not labels:
            body += 1  # a title page's few long lines may stand above the control block
            if found_label or body > TITLE_PAGE_LINES:
                break
            i += 1
            continue
        if text.startswith("#") and found_label:
            break
        if text.startswith("#"):  # a converted PDF's letterhead and title come before its control header
            i += 1
            continue
        if labels and body and not found_label and not _block_follows(lines, i):
            i += 1  # a lone "Målgrupp: …" in the text under a title page is text
            continue
        if labels:
            used = [i]
            for label in labels:
                name = _field(label.group("label"))
                value = _value(label.group("value"))
                if not value and len(labels) == 1:
                    following = _next_nonblank(lines, i)
                    if following is not None and _is_value_line(lines[following]):
                        value = _value(lines[following])
                        used.append(following)
                if value and name != "page" and name not in head.fields:
                    head.fields[name] = value
                    dates = _DATE.findall(value)
                    if name == "validity" and len(dates) == 2:
                        head.fields.setdefault("valid_from", dates[0])
                        head.fields.setdefault("valid_to", dates[1])
            head.lines.update(used)
            found_label = True
            i = used[-1] + 1
            continue
        if _UNTIL_FURTHER.match(text):
            head.fields.setdefault("valid_to", "tills vidare")
            head.lines.add(i)
            found_label = True
        elif _ISSUER.match(text) and len(text.split()) <= 6:
            candidates.append(i)
        elif found_label:
            break
        i += 1
    if found_label:
        for n in candidates:
            head.fields.setdefault("issuer", lines[n].strip())
            head.lines.add(n)


def _labels(text: str) -> list[re.Match]:
    """The label/value pairs of a head line: one, or several in a row ("Dokumenttyp: Rutin | Fastställd
    av: Verksamhetschef | Gäller från: 2024-10-14"). A line whose pieces are not all pairs is none."""
    pieces = re.split(r"\s+\|\s+", text)
    labels = [_LABEL_RE.match(piece) for piece in pieces]
    return labels if all(labels) else []


def _block_follows(lines: list[str], i: int) -> bool:
    """Another label line follows the one at `i`: a control block, not a label word in running text."""
    following = _next_nonblank(lines, i)
    return following is not None and bool(_labels(lines[following].strip()))


def _field(label: str) -> str:
    label = label.lower()
    return next(name for pattern, name in _LABELS if re.fullmatch(pattern, label, re.IGNORECASE))


def _next_nonblank(lines: list[str], i: int) -> int | None:
    for j in range(i + 1, min(len(lines), i + 3)):
        if lines[j].strip():
            return j
    return None


def _is_value_line(line: str) -> bool:
    text = line.strip()
    return (
        bool(text)
        and not _LABEL_RE.match(text)
        and not text.startswith("#")
        and not re.fullmatch(r"-{3,}", text)
        and len(text.split()) <= 8
    )
