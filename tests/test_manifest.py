"""The corpus manifest and the fallback guess for documents it does not list."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.manifest import (
    DOC_TYPES,
    STATUSES,
    ManifestError,
    guess_meta,
    load_manifest,
    meta_for,
    region_in_name,
    region_of_kommun,
    regions,
)
from ingest.model import DocumentMeta

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

EXPECTED = {
    # doc id: (region, doc_type, status)
    "dalarna-overenskommelse-2021": ("Dalarna", "länsöverenskommelse", "gällande"),
    "harnosand-socialnamnden-2022-02-24": ("Västernorrland", "nämndhandling", "förslag"),
    "norrbotten-handlingsplan-2021": ("Norrbotten", "handlingsplan", "gällande"),
    "stockholm-overenskommelse-missbruk-2016": ("Stockholm", "remiss", "remiss"),
    "vasterbotten-lansoverenskommelse-2016": ("Västerbotten", "länsöverenskommelse", "gällande"),
}


def corpus_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(CORPUS.iterdir()) if p.is_file() and p.suffix in {".txt", ".md"}}


# --- the real manifest ---------------------------------------------------------


def test_manifest_describes_every_corpus_document():
    manifest = load_manifest(CORPUS)
    assert set(manifest) == set(EXPECTED) == set(corpus_files())
    for doc_id, (region, doc_type, status) in EXPECTED.items():
        meta = manifest[doc_id]
        assert isinstance(meta, DocumentMeta)
        assert meta.doc_id == doc_id
        assert (meta.region, meta.doc_type, meta.status) == (region, doc_type, status), doc_id
        assert meta.title and meta.parties
        assert meta.guessed is False


def test_manifest_dates_are_what_the_documents_state():
    m = load_manifest(CORPUS)
    assert (m["dalarna-overenskommelse-2021"].valid_from, m["dalarna-overenskommelse-2021"].valid_to) == (
        "2021-07-01",
        "2024-06-30",
    )
    assert (m["norrbotten-handlingsplan-2021"].valid_from, m["norrbotten-handlingsplan-2021"].valid_to) == (
        "2021-06-01",
        "2025-06-01",
    )
    assert m["vasterbotten-lansoverenskommelse-2016"].decided == "2016-05-27"
    assert m["vasterbotten-lansoverenskommelse-2016"].valid_to is None  # not stated in the text
    assert m["stockholm-overenskommelse-missbruk-2016"].valid_to is None  # "gäller tills vidare"
    assert m["harnosand-socialnamnden-2022-02-24"].decided is None  # meeting cancelled, only a proposal


def test_folder_without_manifest_is_empty(tmp_path):
    assert load_manifest(tmp_path) == {}


def test_meta_for_prefers_the_manifest():
    manifest = load_manifest(CORPUS)
    text = (CORPUS / "stockholm-overenskommelse-missbruk-2016.md").read_text(encoding="utf-8")
    meta = meta_for("stockholm-overenskommelse-missbruk-2016", text, manifest)
    assert meta == manifest["stockholm-overenskommelse-missbruk-2016"]
    assert meta is not manifest["stockholm-overenskommelse-missbruk-2016"]  # callers may change their copy
    other = meta_for("faq-om-lvm", "Region Skåne svarar på frågor om LVM.", manifest)
    assert other.guessed and other.region == "Skåne"


# --- malformed manifests -------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "manifest.toml").write_text(body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "entry, key",
    [
        ('title = "X"\nstatus = "aktuell"', "status"),
        ('title = "X"\ndoc_type = "avtal"', "doc_type"),
        ('title = "X"\ndecided = "2021-13-01"', "decided"),
        ('title = "X"\nvalid_from = "1 juli 2021"', "valid_from"),
        ('title = "X"\nvalid_to = 2021', "valid_to"),
        ('title = "X"\nvalid_from = 2022-01-01\nvalid_to = 2021-01-01', "valid_to"),
        ('title = "X"\nregion = "Atlantis"', "region"),
        ('title = "X"\ngiltig_till = 2024-01-01', "giltig_till"),
        ('region = "Dalarna"', "title"),
        ('title = "X"\nparties = "Region Dalarna"\nparties2 = 1', "parties2"),
    ],
)
def test_malformed_entry_names_file_document_and_key(tmp_path, entry, key):
    write(tmp_path, f"[documents.min-fil]\n{entry}\n")
    with pytest.raises(ManifestError) as err:
        load_manifest(tmp_path)
    message = str(err.value)
    assert "manifest.toml" in message
    assert "min-fil" in message
    assert key in message
    assert isinstance(err.value, ValueError)


def test_unknown_status_message_lists_the_allowed_values_in_swedish(tmp_path):
    write(tmp_path, '[documents.a]\ntitle = "A"\nstatus = "aktuell"\n')
    with pytest.raises(ValueError, match=r"manifest\.toml.*status: okänd status 'aktuell'; tillåtna är gällande"):
        load_manifest(tmp_path)
    write(tmp_path, '[documents.a]\ntitle = "A"\nvalid_to = "2024-02-30"\n')
    with pytest.raises(ValueError, match=r"valid_to: finns inte som datum"):
        load_manifest(tmp_path)


def test_toml_syntax_error_names_the_file(tmp_path):
    write(tmp_path, "[documents.a\ntitle = \n")
    with pytest.raises(ManifestError, match=r"manifest\.toml"):
        load_manifest(tmp_path)


def test_lenient_forms_are_normalised(tmp_path):
    write(
        tmp_path,
        '[documents.a]\ntitle = "A"\nregion = "Region Dalarna"\ndecided = "2021-06-15"\nparties = "Region Dalarna"\n',
    )
    meta = load_manifest(tmp_path)["a"]
    assert meta.region == "Dalarna"
    assert meta.decided == "2021-06-15"
    assert meta.parties == ["Region Dalarna"]
    assert meta.status == "gällande"


# --- guessing ------------------------------------------------------------------


def test_regions_data_has_the_21_lan():
    names = [lan.name for lan in regions()]
    assert len(names) == len(set(names)) == 21
    assert {"Skåne", "Västra Götaland", "Gotland", "Jämtland", "Västernorrland"} <= set(names)


def test_each_of_the_290_kommuner_belongs_to_one_lan():
    kommuner = [k for lan in regions() for k in lan.kommuner]
    assert len(kommuner) == len(set(kommuner)) == 290
    assert all(lan.kommuner for lan in regions())
    assert "Botkyrka" in next(lan for lan in regions() if lan.name == "Stockholm").kommuner


def test_a_kommun_as_issuer_in_a_file_name_or_address_names_its_lan():
    """A kommun's routine names no county; its issuer, file name or address names the kommun."""
    assert region_in_name("botkyrka-rutin-beroendeproblem-vobo") == "Stockholm"
    assert region_in_name("https://botwebb.botkyrka.se/download/rutin.pdf") == "Stockholm"
    assert region_of_kommun("Socialnämnden i Härnösands kommun") == "Västernorrland"
    assert region_of_kommun("BOTKYRKA KOMMUN\nKommunledningsförvaltningen") == "Stockholm"
    # short names are words too: not in a file name, and not written in lower case
    assert region_in_name("rutin-vara-mora-are") is None
    assert region_of_kommun("Att vara kommun i glesbygd") is None
    text = "Rutin för beroendeproblem\n\nVård- och omsorgsförvaltningen\n\nMedarbetare ansvarar för att rapportera."
    assert guess_meta("botkyrka-rutin-beroende", text).region == "Stockholm"
    assert guess_meta("rutin-beroende", text).region is None


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_guess_on_real_texts_gets_the_region(doc_id):
    path = corpus_files()[doc_id]
    text = path.read_text(encoding="utf-8")
    meta = guess_meta(doc_id, text)
    assert meta.guessed is True
    assert meta.region == EXPECTED[doc_id][0]
    assert meta.title.strip()
    assert meta.status in STATUSES
    assert meta.doc_type is None or meta.doc_type in DOC_TYPES
    # from the text alone too, with a file name that says nothing
    assert guess_meta("dokument-1", text).region == EXPECTED[doc_id][0]


def test_guess_on_real_texts_gets_the_type():
    files = corpus_files()
    got = {d: guess_meta(d, files[d].read_text(encoding="utf-8")).doc_type for d in EXPECTED}
    assert got == {
        "dalarna-overenskommelse-2021": "länsöverenskommelse",
        "harnosand-socialnamnden-2022-02-24": "nämndhandling",
        "norrbotten-handlingsplan-2021": "handlingsplan",
        "stockholm-overenskommelse-missbruk-2016": "remiss",
        "vasterbotten-lansoverenskommelse-2016": "länsöverenskommelse",
    }


def test_guess_made_up_faq_from_region_skane():
    text = (
        "Datum\n2024-03-01\n\nVanliga frågor om LVM\n\nRegion Skåne och kommunerna i Skåne svarar på frågor om "
        "tvångsvård.\n"
    )
    meta = guess_meta("faq-om-lvm", text)
    assert meta.region == "Skåne"
    assert meta.guessed is True
    assert meta.title == "Vanliga frågor om LVM"
    assert meta.status == "gällande"


def test_region_from_file_name_wins_over_text():
    meta = guess_meta("region-skane-riktlinje", "Samverkan med Region Dalarna. Region Dalarna. Dalarnas län.")
    assert meta.region == "Skåne"


def test_text_without_lan_has_no_region():
    text = (
        "Frågor och svar\n\nSocialtjänsten och hälso- och sjukvården ska samverka. Se Socialstyrelsen, Stockholm "
        "2019.\n"
    )
    meta = guess_meta("faq-om-lvm", text)
    assert meta.region is None
    assert meta.guessed is True


@pytest.mark.parametrize(
    "doc_id, text, doc_type, status",
    [
        ("x", "# Förslag till handlingsplan för missbruksvården\n\nText.", "handlingsplan", "förslag"),
        ("x", "# Remiss: ny överenskommelse\n\nText.", "remiss", "remiss"),
        (
            "x",
            "# Nationella riktlinjer för vård och stöd vid missbruk och beroende\n\nSocialstyrelsen 2019.",
            "nationell riktlinje",
            "gällande",
        ),
        (
            "x",
            "# Nationellt vård- och insatsprogram för missbruk och beroende\n\nText.",
            "vård- och insatsprogram",
            "gällande",
        ),
        ("x", "Kommunstyrelsen\n\nkallas till sammanträde den 3 maj.", "nämndhandling", "gällande"),
        ("x", "# Vanliga frågor\n\nOm LVM.", None, "gällande"),
    ],
)
def test_guess_type_and_status(doc_id, text, doc_type, status):
    meta = guess_meta(doc_id, text)
    assert (meta.doc_type, meta.status) == (doc_type, status)


def test_guessed_title_skips_dates_and_page_numbers():
    text = "\n\nDatum\n2022-02-21\n12 (41)\n\nSocialnämnden\n\nkallas härmed till sammanträde\n"
    assert guess_meta("x", text).title == "Socialnämnden"
    assert guess_meta("min-fil", "\n\n").title  # falls back to the file name
