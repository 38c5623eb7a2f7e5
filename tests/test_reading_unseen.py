"""Reading documents of other forms that no rule was written for: a region's scraped web page, a kommun
routine converted from PDF, a compiled agreement with appendices that number themselves, and a national
authority's page (tests/data/unseen-forms, written by someone who had not read the code, with what a
careful reader sees in READING.toml: the headings, and the furniture that must not be searchable)."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import pytest

from ingest.pipeline import ingest_file
from ingest.redact import redact_lines
from ingest.webpage import LINK_RE

# The second and third folders were written later, each by another helper, and read once before any change
# they prompted.
FOLDERS = [
    Path(__file__).parent / "data" / name
    for name in ("unseen-forms", "unseen-forms-2", "unseen-forms-3", "unseen-forms-4")
]
READINGS = {folder: tomllib.loads((folder / "READING.toml").read_text(encoding="utf-8")) for folder in FOLDERS}
EXPECTED = {name: expected for readings in READINGS.values() for name, expected in readings.items()}
PLACES = {name: folder for folder, readings in READINGS.items() for name in readings}


@cache
def read(name: str):
    return ingest_file(PLACES[name] / name, {})


def plain(line: str) -> str:
    """A line as a passage would hold it: link words kept, list marks and heading marks gone."""
    line = LINK_RE.sub(lambda m: m.group("text"), line)
    line = re.sub(r"^\s*(?:[*-]|\d+\.)\s+", "", line).lstrip("# ")
    return " ".join(line.split()).casefold()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_heading_is_kept(name):
    doc = read(name)
    seen = {plain(title) for c in doc.chunks for title in c.section_path} | {plain(doc.meta.title)}
    missing = [h for h in EXPECTED[name]["headings"] if not any(plain(h) in s for s in seen)]
    assert not missing


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_furniture_scraper_field_or_markup_is_searchable(name):
    doc = read(name)
    texts = [plain(line) for c in doc.chunks for line in c.text.splitlines()]
    headings = [plain(title) for c in doc.chunks for title in c.section_path]
    # as a passage holds it: a value masked ("Telefon växel: [telefon]")
    furniture = {plain(f) for f in redact_lines(EXPECTED[name]["furniture"]).lines} - {""}
    # the start of a line stands for the whole ("Dela sidan:", the first sentence of a cookie notice)
    starts = tuple(f for f in furniture if f.endswith((":", "?")) or len(f.split()) >= 4)
    assert not [line for line in texts + headings if line in furniture]
    assert not [line for line in texts if line.startswith(starts)]
    for c in doc.chunks:
        assert not re.search(r"\]\(https?:|^(?:=+|-{3,})$|^(?:Filename|Title|URL Source):", c.text, re.M), c.text


def test_the_head_of_a_converted_routine_is_metadata_under_its_letterhead():
    """A converted PDF's letterhead and title come as "#" lines before the control header; the header
    still says who decided it, and the routine's own staff are the kommun's."""
    doc = read("sandviken-rutin-misstanke-missbruk-omsorg.md")
    assert doc.meta.title == "Rutin vid misstanke om skadligt bruk eller beroende hos brukare"
    assert doc.head["decided_by"] == "Förvaltningschef, omsorgsförvaltningen" and doc.head["doc_kind"] == "Rutin"
    assert doc.meta.region == "Gävleborg"  # "Sandvikens kommun"
    nurse = [r for c in doc.chunks for r in c.responsibility if r.actor.startswith("Sjuksköterskan")]
    assert nurse and all(r.principal == "kommun" for r in nurse)


def test_a_page_title_is_its_heading_without_the_site_name_and_a_national_page_has_no_county():
    doc = read("kunskapsguiden-alkohol-och-aldre.md")
    assert doc.meta.title == "Alkohol och äldre" and doc.meta.region is None


def test_whoever_notices_first_and_each_for_its_own_are_both_principals():
    """ "Den från kommun eller region som först uppmärksammar behovet kallar till SIP", "oavsett om det är
    kommunen eller regionen", "Efter mötet ansvarar respektive verksamhet för sina insatser"."""
    statements = {
        " ".join(c.text[r.start : r.end].split()): r.principal
        for name in EXPECTED
        for c in read(name).chunks
        for r in c.responsibility
    }
    for opening in (
        "Den från kommun eller region som först uppmärksammar behovet kallar till SIP",
        "Den verksamhet som först uppmärksammar behovet kallar till SIP, oavsett om det är",
        "Efter mötet ansvarar respektive verksamhet för sina insatser",
    ):
        assert [p for text, p in statements.items() if text.startswith(opening)] == ["gemensamt"], opening


def test_who_does_it_differing_between_places_is_a_statement_without_a_principal():
    """ "Vilken verksamhet som erbjuder behandling för unga med spelproblem skiljer sig mellan kommunerna":
    the page says it depends, so the card must not answer with the adults' clinic (the region)."""
    [varies] = [
        r for c in read("regionvarmland-spel-om-pengar.md").chunks for r in c.responsibility if r.kind == "varies"
    ]
    assert varies.principal is None and varies.activity == "erbjuder behandling för unga med spelproblem"


def test_a_routine_saved_as_text_has_its_letterhead_as_issuer_and_its_first_line_as_title():
    """A DOCX routine saved as plain text: "FALKENBERGS KOMMUN" / "Socialförvaltningen" over the control
    head is the letterhead, the unfinished line alone under it the title, and lines with two blank
    lines above them or over a numbered list the headings."""
    doc = read("falkenberg-rutin.txt")
    assert doc.meta.title.startswith("Rutin vid berusning, abstinens") and doc.meta.region == "Halland"
    assert doc.head["issuer"] == "FALKENBERGS KOMMUN"
    assert all("FALKENBERGS KOMMUN" not in c.text for c in doc.chunks)


@pytest.mark.parametrize(
    "name, valid_from, valid_to",
    [
        ("ostergotland-overenskommelse-pdf.md", "2024-07-01", "2027-06-30"),
        ("kalmar-overenskommelse-pdf.md", "2024-01-01", "2026-12-31"),
    ],
)
def test_a_control_block_under_a_title_page_is_the_head_and_a_validity_range_gives_both_ends(
    name, valid_from, valid_to
):
    """The block of "Fastställd av:", "Giltighetstid: 2024-07-01 – 2027-06-30", "Diarienummer:" stands under
    the title and a long line saying who agreed; it is the head, not a passage or part of the title."""
    doc = read(name)
    assert (doc.meta.valid_from, doc.meta.valid_to) == (valid_from, valid_to)
    assert doc.meta.title.startswith("Överenskommelse") and "Giltighetstid" not in doc.meta.title
    assert not any("Diarienummer" in c.text or "Giltighetstid" in c.text for c in doc.chunks)


def test_every_reason_for_removing_a_line_has_a_label_the_editor_reads():
    """The inspect page says why a line went ("utanför webbsidans huvudinnehåll", "postadress …")."""
    from app.inspect import REMOVED_LABELS

    reasons = {reason for name in EXPECTED for _, reason, _ in read(name).report.removed}
    assert {"outside_main", "navigation", "footer", "feedback", "address"} <= reasons
    assert reasons <= set(REMOVED_LABELS)
