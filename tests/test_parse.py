"""Golden tests on the real corpus: sections, matrices, cleaning, footnotes and topic marks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.model import IngestError, RawText
from ingest.parse import parse_file, parse_raw

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def docs():
    return {p.stem.split("-")[0]: parse_file(p) for p in sorted(CORPUS.glob("*.[mt][dx]*"))}


def top_level(doc) -> list[str]:
    return list(dict.fromkeys(c.section_path[0] for c in doc.chunks if c.section_path and c.kind != "footnote"))


def body_chunks(doc):
    return [c for c in doc.chunks if c.kind != "footnote"]


def test_offsets_point_at_chunk_text(docs):
    for doc in docs.values():
        for c in doc.chunks:
            assert doc.text[c.char_start : c.char_end] == c.text


def test_dalarna_top_level_sections(docs):
    assert top_level(docs["dalarna"]) == [
        "1. Inledning",
        "2. Utgångspunkter",
        "3. Ansvarsfördelning",
        "4. Lokala överenskommelser",
        "5. Implementering",
        "6. Uppföljning",
        "7. Avvikelsehantering och hantering av tvister",
        "8. Giltighetstid",
        "9. Ikraftträdande",
        "10. Utvärdering och revidering",
    ]


def test_dalarna_duplicate_numbering_keeps_both_sections(docs):
    paths = {tuple(c.section_path[:2]) for c in docs["dalarna"].chunks}
    assert ("3. Ansvarsfördelning", "3.3 Kommunernas ansvar") in paths
    assert ("3. Ansvarsfördelning", "3.3 Regionens ansvar") in paths


def test_dalarna_list_items_and_law_quotes_are_not_headings(docs):
    titles = {t for c in docs["dalarna"].chunks for t in c.section_path}
    assert not any(t.startswith(("1. Tillgång", "1. planera", "1 §", "4. aktivt")) for t in titles)
    assert "Termer i överenskommelsen" in titles and "Reflektionsfrågor" in titles


def test_dalarna_matrix_rows(docs):
    tables = [c.table for c in docs["dalarna"].chunks if c.kind == "table"]
    rows = dict(r for t in tables for r in t.rows)
    assert len(rows) == 14
    psyk = "Psykiatrisk vård (inkl. beroendevård, VUP, BUP)"
    assert tables[0].columns == ["Primärvård", "Somatiska kliniker", psyk, "Socialtjänst"]
    assert tables[0].title == "Ansvarsfördelning vård och omsorg"
    assert rows["Abstinensvård"] == {"Primärvård": "X", psyk: "X"}
    assert rows["Psykosocial behandling"] == {"Primärvård": "X", psyk: "X", "Socialtjänst": "X"}
    assert rows["Läkemedelsassisterad behandling vid opiatberoende"] == {psyk: "X"}
    assert rows["Tidiga tecken, tidig upptäckt och förebyggande arbete"] == {
        "Primärvård": "X",
        "Somatiska kliniker": "X",
        psyk: "X",
        "Socialtjänst": "X",
    }
    text = next(c.text for c in docs["dalarna"].chunks if c.kind == "table")
    assert f"Abstinensvård: Primärvård (X), {psyk} (X)" in text


def test_norrbotten_sections_and_9_4(docs):
    doc = docs["norrbotten"]
    tops = top_level(doc)
    assert tops[:3] == ["1 Bakgrund", "2 Förankring och implementering av handlingsplanen", "3. Kunskapsstyrning"]
    assert "10 Gemensamma utvecklingsområden" in tops and "Bilaga 1. Uppföljning och utveckling" in tops
    hit = [c for c in doc.chunks if "Mindre komplicerad abstinensbehandling" in c.text]
    assert len(hit) == 1
    assert hit[0].section_path == [
        "9 Länsgemensamma arbetssätt i samverkan",
        "9.4 Region Norrbotten ansvarar för abstinensbehandling",
    ]
    assert "Norrbus" not in hit[0].text and "LARO" not in hit[0].text


def test_norrbotten_matrix(docs):
    tables = [c.table for c in docs["norrbotten"].chunks if c.kind == "table"]
    rows = dict(r for t in tables for r in t.rows)
    assert len(rows) >= 45
    first = tables[0]
    assert first.group == "Tidig upptäckt och Förebyggande arbete"
    assert first.columns[:3] == ["Primärvård", "Psykiatri Beroendecentrum", "Somatisk vård"]
    assert rows["Smittskydd och sprututbyte"] == {"Somatisk vård": "X"}
    assert rows["Överdospredvention - Naloxonbehandling vuxna"] == {
        "Primärvård": "K",
        "Psykiatri Beroendecentrum": "X",
        "Somatisk vård": "X",
        "Socialtjänst": "K",
    }
    assert rows["Riskbruk/missbruk och beroende - vuxna"]["Ungdomsmottagning"] == "X"
    assert "Barnmedicin BUP, HAB" not in rows["Riskbruk/missbruk och beroende - vuxna"]
    assert all(t.title == "Matris – ansvarsfördelning" for t in tables)


def test_no_conversion_debris_in_chunks(docs):
    for name, doc in docs.items():
        for c in doc.chunks:
            assert not re.search(r"\.{4,}\s*\d+\s*$", c.text, re.M), (name, c.text[:80])
            assert "<b>" not in c.text and "<sup>" not in c.text and "\uf0b7" not in c.text
            assert "\\_" not in c.text
            assert "34 (41)" not in c.text and "Dnr: RD21/00238" not in c.text


def test_hyphenation_rejoined_and_suspended_hyphens_kept(docs):
    vb = docs["vasterbotten"].text
    assert "helnykterhet" in vb and "helnykter-" not in vb
    assert "behandling för målgruppen" in vb and "be- handling" not in vb
    dal = docs["dalarna"].text
    assert "hälso- och sjukvården" in dal
    assert "egen- eller" in dal
    assert "alkohol- och" in dal and "alkoholoch" not in dal


def test_footnotes_separated_and_searchable(docs):
    doc = docs["dalarna"]
    assert "pengar [^1]" in doc.text and "pengar1" not in doc.text
    notes = [c for c in doc.chunks if c.kind == "footnote"]
    assert len(notes) == len(doc.footnotes) >= 60
    pregnancy = [c for c in notes if "anmälningsskyldighet gäller först när barnet är fött" in c.text]
    assert len(pregnancy) == 1 and pregnancy[0].section_path
    first = next(c for c in notes if c.footnotes == ["1"])
    assert first.section_path[:2] == ["1. Inledning", "1.1 Bakgrund"]
    body = [c for c in doc.chunks if c.kind != "footnote"]
    assert not any("I Sverige använder vi oss av två olika diagnossystem" in c.text for c in body)
    assert any("1" in c.footnotes for c in body)


def test_chunks_stay_in_sections_and_size(docs):
    for doc in docs.values():
        for c in doc.chunks:
            if c.kind in ("text", "list"):
                assert len(c.text.split()) <= 350
        assert all(c.line_start and c.line_end >= c.line_start for c in doc.chunks)


def test_harnosand_off_topic_parts(docs):
    doc = docs["harnosand"]
    assert doc.report.off_topic >= 3
    plan = [c for c in doc.chunks if "samsjuklighet" in c.text and c.kind == "text"]
    assert plan and sum(c.on_topic for c in plan) > 0.9 * len(plan)
    off = [c for c in doc.chunks if not c.on_topic]
    # LSS housing; the cancelled-meeting notice is no longer judged alone: with its four names masked it
    # is under 40 words with no domain term, so it takes the verdict of the agenda before it (ingest/topic.py)
    assert any("Bostad med särskild service LSS i Gånsviksdalen" in c.section_path for c in off)
    assert all(c.on_topic for c in docs["dalarna"].chunks if "3. Ansvarsfördelning" in c.section_path)


def test_proposals_marked(docs):
    doc = docs["harnosand"]
    proposals = [c for c in doc.chunks if c.proposal]
    assert any("Förslag till beslut" in c.section_path or "föreslår" in c.text for c in proposals)
    assert not any(c.proposal for c in docs["norrbotten"].chunks if c.section_path[:1] == ["1 Bakgrund"])


def test_stockholm_sections(docs):
    tops = top_level(docs["stockholm"])
    for title in (
        "1. Inledning",
        "2. Gemensamma utgångspunkter",
        "3. Prioriterade målgrupper",
        "4. Strukturer och ansvar för samverkan",
        "6. Åtaganden",
        "Bilaga 1 Begrepp",
        "Referenser",
    ):
        assert title in tops
    paths = {tuple(c.section_path) for c in docs["stockholm"].chunks}
    assert (
        "3. Prioriterade målgrupper",
        "3.2 Ungdomar och unga vuxna med missbruk/beroende",
        "Unga Vuxna 18–25 år",
    ) in paths


def test_parse_raw_and_errors():
    raw = RawText(lines=["# 1 Syfte", "", "Texten beskriver ansvar för abstinensbehandling i regionen."], format="md")
    doc = parse_raw(raw, "x", "x.md")
    assert doc.chunks[0].section_path == ["1 Syfte"] and doc.report.sections == 1
    with pytest.raises(IngestError):
        parse_raw(RawText(lines=["", "  ", "12"], format="txt"), "y", "y.txt")


def test_no_section_title_of_marks_or_digits(docs):
    from ingest.clean import mostly_marks

    for name, doc in docs.items():
        titles = {t for c in doc.chunks for t in c.section_path}
        assert not [t for t in titles if mostly_marks(t)], name
        assert not any(re.fullmatch(r"(?i)[x\s]+", t) for t in titles)
    assert mostly_marks("X x x x x x x") and mostly_marks("Patriark34 x x estr35 x x")
    assert not mostly_marks("Bilaga 1") and not mostly_marks("HSL § 8 b") and not mostly_marks("1. Inledning")


def test_harnosand_instrument_lists_are_text_not_false_matrices(docs):
    doc = docs["harnosand"]
    for c in doc.chunks:
        if c.table:
            assert not any(col.startswith("Kolumn ") or "Sundsvall Timrå" in col for col in c.table.columns)
            assert all(label and not re.fullmatch(r"(?i)[x\s]*", label) for label, _ in c.table.rows)
    listing = [c for c in doc.chunks if "CRA enskilt" in c.text]
    assert listing and all(c.kind == "text" for c in listing)
    assert any("PATRIARK34" in c.text or "Patriark" in c.text for c in doc.chunks if c.kind == "text")


def test_horizontal_rules_dropped_and_no_title_only_chunks(docs):
    for name, doc in docs.items():
        for c in body_chunks(doc):
            assert not re.search(r"(?m)^\s*(?:[-*_]\s*){3,}$", c.text), (name, c.text[:80])
            assert not re.search(r"(?m)^-{2,}(?:\t-{2,})+", c.text)
    stockholm = body_chunks(docs["stockholm"])
    assert not any(c.text.strip().startswith("---") for c in stockholm)
    lone = [
        c for c in stockholm if c.section_path[-1:] in (["Bilaga"], ["Samverkan kring personer med missbruk/beroende"])
    ]
    # a subtitle under a heading is no passage of its own; it may open the body text that follows it
    assert all("\n" in c.text for c in lone), [c.text for c in lone]
    for c in stockholm:
        words = c.text.split()
        assert len(words) >= 4 or "\n" in c.text or c.text.rstrip().endswith((".", ":")) or "[" in c.text, c.text
    # sentences that lost their full stop are body text and stay
    assert any(c.text.startswith("Målgruppen är ungdomar 13–17 år") for c in stockholm)
    assert any(c.text.startswith("Från: [namn]") for c in stockholm)


def test_harnosand_items_are_top_level_and_classified_alone(docs):
    doc = docs["harnosand"]
    tops = top_level(doc)
    for title in (
        "Återrapport - Riktade statsbidrag gällande habiliteringsersättning",  # wraps over two lines
        "Bostad med särskild service LSS i Gånsviksdalen",
        "Avgift kost för brukare inom SoL/socialpsykiatri",
        "Missbruk- och beroendeplan Västernorrland",
        "8. Ärende: Översyn riktlinjer över ansökan och väntelistan till särskilda boenden",
    ):
        assert title in tops, title
    assert any(t.startswith("§ 4 Överenskommelse mellan Social- och Skolförvaltning") for t in tops)
    on = {tuple(c.section_path[:1]): c.on_topic for c in body_chunks(doc) if c.section_path}
    for title in (
        "Återrapport - Riktade statsbidrag gällande habiliteringsersättning",
        "Uppstart bostad med särskild service: gruppbostad med teckeninriktning",
        "Bostad med särskild service LSS i Gånsviksdalen",
        "Avgift kost för brukare inom SoL/socialpsykiatri",
        "8. Ärende: Översyn riktlinjer över ansökan och väntelistan till särskilda boenden",
        "Ärende 12",
        "Ärende 13",
    ):
        assert on[(title,)] is False, title
    waiting = [t for t in tops if t.startswith("Rapportering av ej verkställda beslut")]
    assert waiting and on[(waiting[0],)] is False
    assert on[("Missbruk- och beroendeplan Västernorrland",)] is True
    habil = [c for c in body_chunks(doc) if "habiliteringsersättning" in c.text and c.section_path]  # [] is the agenda
    assert habil and not any(c.on_topic for c in habil)
    assert all(c.section_path[0].endswith("habiliteringsersättning") for c in habil)
    plan = [c for c in body_chunks(doc) if c.section_path[:1] == ["Missbruk- och beroendeplan Västernorrland"]]
    assert any(c.proposal and "Förslag till beslut" in c.section_path for c in plan)
    assert any("Samsjuklighet" in c.section_path for c in plan)


def test_sentence_broken_by_floating_box_is_joined(docs):
    lines = [
        "# 1 Ansvar",
        "",
        "Regionen och kommunerna ska gemensamt erbjuda abstinensbehandling till personer som",
        "",
        "TERMER I ÖVERENSKOMMELSEN",
        "",
        "Vård och omsorg avser hälso- och sjukvård och socialtjänst.",
        "",
        "behöver det, oavsett var de bor i länet. Ansvaret gäller även helger.",
    ]
    doc = parse_raw(RawText(lines=lines, format="md"), "box", "box.md")
    joined = [c for c in doc.chunks if "erbjuda abstinensbehandling till personer som behöver det, oavsett" in c.text]
    assert joined and joined[0].section_path == ["1 Ansvar"]
    assert any("Vård och omsorg avser" in c.text for c in doc.chunks)
    for c in doc.chunks:
        assert doc.text[c.char_start : c.char_end] == c.text
    # page-break splits in the corpus are joined the same way
    nb = docs["norrbotten"].text
    assert "Alla barn ska ha samma rättigheter och lika värde" in nb
    assert "kan en SIP behöva upprättas enligt HSL (3f §) och SoL (1 kap, 7 §). Det räcker" in docs["stockholm"].text


def test_harnosand_plain_footnotes_extracted(docs):
    doc = docs["harnosand"]
    numbers = [f.number for f in doc.footnotes]
    assert numbers[:16] == [str(n) for n in range(1, 17)] and len(numbers) >= 20
    body = "\n".join(c.text for c in body_chunks(doc))
    for n in numbers:
        assert f"[^{n}]" in body, n
    assert "ICD-10 [^1]" in doc.text and "ICD-101" not in doc.text and "DSM-5 [^2]" in doc.text
    assert "ICD-10-SE" in doc.text  # the code itself is never split
    assert not any(c.text.startswith("Den internationella sjukdomsklassifikationen") for c in body_chunks(doc))
    note = next(c for c in doc.chunks if c.kind == "footnote" and c.footnotes == ["1"])
    assert note.section_path and note.section_path[0] == "Missbruk- och beroendeplan Västernorrland"


def test_letterheads_and_table_rows_are_not_passages_or_headings(docs):
    """Härnösand's letters end in an address box; its cost table was flattened into lines with column gaps."""
    for name, doc in docs.items():
        for c in doc.chunks:
            assert not re.search(r"Postadress|Besöksadress|Organisationsnr|Bankgiro", c.text), (name, c.text[:80])
            assert not any(re.search(r"\bmkr\b|->", title) for title in c.section_path), (name, c.section_path)


def test_a_parenthesis_on_its_own_line_ends_the_item_above(docs):
    lines = [line for c in docs["vasterbotten"].chunks for line in c.text.split("\n")]
    assert "(LARO)" not in lines
    assert "- läkemedelsassisterad behandling vid beroendetillstånd (LARO)" in lines


def test_off_topic_parts_exist_only_in_the_committee_bundle(docs):
    for name, doc in docs.items():
        off = [c for c in doc.chunks if not c.on_topic]
        assert bool(off) == (name == "harnosand"), name
        assert doc.report.off_topic == len(off)  # the report counts what is stored


def parsed_text(text: str):
    from ingest.model import RawText
    from ingest.parse import parse_raw

    return parse_raw(RawText(text.split("\n"), "md"), "test", "test.md")


def test_reading_rules_that_no_corpus_document_needs():
    doc = parsed_text(
        '---\ntitle: "Rutin för samverkan"\nsource_url: "https://example.org/r.pdf"\n---\n\n'
        "Ta inte bort denna rad den innehåller dold information\n\n"
        "# Del 1 Allmänt\n\n1. Syfte\n\nRutinen gäller alla medarbetare som möter personer med missbruk.\n\n"
        "## SIP\n\nEn samordnad individuell plan upprättas när insatser behövs från båda huvudmännen.\n\n"
        "Vilka tecken ska man reagera på?\n\n•\nFörändrat beteende\n➢ Alkohollukt\n\n"
        "# Del 2 Ansvar\n\n1. Kommunens ansvar\n\nKommunen ansvarar för boendestöd till personer med missbruk.\n"
    )
    assert doc.head["source_url"] == "https://example.org/r.pdf"
    paths = {tuple(c.section_path) for c in doc.chunks}
    assert ("Del 1 Allmänt", "1. Syfte") in paths  # an abbreviation heading ("## SIP") is no section
    assert not any(p and (p[-1] == "SIP" or p[-1].endswith("?")) for p in paths)  # nor is a question
    assert ("Del 2 Ansvar", "1. Kommunens ansvar") in paths  # numbering starts again in a new part
    items = [line for c in doc.chunks for line in c.text.split("\n") if line.startswith("- ")]
    assert items == ["- Förändrat beteende", "- Alkohollukt"]  # a bullet alone on its line, and ➢
    assert not any("title:" in c.text or "Ta inte bort" in c.text for c in doc.chunks)


def test_running_headers_by_their_place_and_a_signature_certificate_go():
    pages = []
    for n in range(1, 5):
        body = [f"Kommunen ansvarar för uppgift {n}.{k} i samverkan med regionen." for k in range(n)]
        pages += [
            f"Sida {n} (4)",
            "Transaktion 0922211555",
            "Signerat AB, CD",
            "",
            f"Avsnitt {n}",
            "Se bilaga",
            *body,
            "",
        ]
    pages += [
        "Verifikat",
        "Transaktion 0922211555",
        "Signerare",
        "Anna Andersson (AA)",
        "Signerade 2023-12-07 10:14:15 CET",
    ]
    doc = parsed_text("\n".join(pages))
    text = "\n".join(c.text for c in doc.chunks)
    assert "Transaktion" not in text and "Signerat" not in text and "Anna Andersson" not in text
    assert text.count("Se bilaga") == 4  # a phrase that merely repeats stays
    reasons = {reason for _, reason, _ in doc.report.removed}
    assert {"footer", "page_number", "signature"} <= reasons


def test_a_list_item_ends_with_its_wrapped_words(docs):
    """Västerbotten's list of the region's tasks ended "… i samband med" / "LVM-vård": the item takes
    its last word, and the LOB text after the list no longer continues the item (issue 29)."""
    chunks = docs["vasterbotten"].chunks
    item = next(c for c in chunks if "inledande vård på sjukhus" in c.text)
    assert "- inledande vård på sjukhus vid behov, i samband med LVM-vård\n" in item.text
    raw = RawText(
        lines=[
            "Regionen ansvarar för:",
            "- vård på sjukhus i samband med",
            "LVM-vård",
            "- tillnyktring",
            "",
            "Ett nytt stycke som handlar om något annat.",
        ],
        format="txt",
    )
    doc = parse_raw(raw, "x", "x.txt")
    assert "- vård på sjukhus i samband med LVM-vård\n- tillnyktring" in doc.text
