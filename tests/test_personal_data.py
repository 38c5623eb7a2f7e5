"""Personal data never reaches a passage, an API answer, a page or a database row.

A small corpus with realistic Swedish personal data — lists of persons, signatures, case officers
named in prose and after labels, addresses, personnummer, samordningsnummer, e-mail and phone —
as Markdown and text (tests/data/personal/) and as DOCX and PDF written here, is ingested with
`kb ingest` into a data dir of its own. Every planted value is then looked for everywhere the
product keeps or shows text. The responsibility statements of the same documents must come
through whole, and on the real corpus redaction must never touch a unit, actor or role.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from index.config import PROJECT_DIR, Settings
from ingest.actors import mentions
from ingest.clean import clean
from ingest.header import read_head, strip_head
from ingest.model import RawText
from ingest.readers import read_file
from ingest.redact import redact_lines
from tests.conftest import CORPUS

FIXTURES = Path(__file__).parent / "data" / "personal"
MORE = PROJECT_DIR.parent / "shared" / "corpus-more"
runner = CliRunner()

DOCX_LINES = [
    ("heading", "Överenskommelse om samordnad individuell plan"),
    ("text", "Kontaktpersoner: Ulrika Nyström och Gustav Ekholm"),
    (
        "text",
        "Region ansvarar för att kalla till samordnad individuell plan när den enskilde har insatser från båda "
        "huvudmännen.",
    ),
    ("text", "Kommunen ansvarar för att samordna insatserna för barn och unga med missbruk."),
    (
        "table",
        [
            ["Namn", "Befattning", "Telefon"],
            ["Ulrika Nyström", "Enhetschef", "08-530 612 40"],
            ["Gustav Ekholm", "Samordnare", "073-881 20 45"],
            ["Zeynep Aydin", "Socialsekreterare", "073-881 20 46"],
        ],
    ),
    ("text", "Frågor besvaras av samordnare Zeynep Aydin, zeynep.aydin@exempelregion.se."),
    ("text", "Ort och datum"),
    ("text", "Ulrika Nyström"),
    ("text", "Enhetschef"),
]
PDF_LINES = [
    "Beslut om bistånd enligt 4 kap. 1 § SoL",
    "",
    "Sökande: Maria Johansson Bergh, personnummer 19850412-5682",
    "Adress: Drottning Kristinas väg 14, lgh 1102, 114 28 Stockholm",
    "",
    "Kommunen ansvarar för att bevilja och följa upp insatser enligt socialtjänstlagen.",
    "Regionen ansvarar för medicinsk bedömning och behandling av beroendet.",
    "",
    "Beslutet har fattats av biståndshandläggare Rasmus Aalto efter samtal med",
    "sökandens dotter Emilia Johansson Bergh.",
    "",
    "Med vänlig hälsning",
    "",
    "Rasmus Aalto",
    "Biståndshandläggare",
    "E-post: rasmus.aalto@exempelkommun.se, telefon 08-530 610 77",
]
# Every personal value each document holds, as written.
PLANTED_IN = {
    "socialnamnd-protokoll-2024-05-14.md": [
        "Kerstin Holmgren",
        "Anders Wikström",
        "Fatima Hussein",
        "Lennart Sjödin",
        "Maj-Britt Engström",
        "Jonas Bergqvist",
        "Tiina Kuusela",
        "Elin Sandberg",
        "Sofia Lindqvist",
        "070-312 45 67",
        "sofia.lindqvist@exempelkommun.se",
        "Oskar Lundmark",
        "Hanna Westerlund",
        "Ibrahim Mahmoud",
        "Johan Karlsson",
        "19780315-2399",
        "Köpmangatan 7 B",
        "852 30 Sundsvall",
        "Petra Lindholm",
        "Mohammed Yusuf",
        "6004417",
        "6004418",
        "Karin Öberg",
    ],
    "utredning-lvm-2024.txt": [
        "780375-2394",
        "Ahmed Hassan",
        "Lena Forsberg",
        "Per-Olof Strand",
        "Storgatan 12",
        "871 31 Härnösand",
        "+46 70 555 12 34",
        "johan.karlsson78@exempelpost.se",
        "Birgitta Karlsson",
        "Annelie",
        "Grönberg",
        "0611-34 80 12",
    ],
    "samordnad-plan.docx": [
        "Ulrika Nyström",
        "Gustav Ekholm",
        "Zeynep Aydin",
        "08-530 612 40",
        "073-881 20 45",
        "073-881 20 46",
        "zeynep.aydin@exempelregion.se",
    ],
    "bistandsbeslut.pdf": [
        "Maria Johansson Bergh",
        "19850412-5682",
        "Drottning Kristinas väg 14",
        "114 28 Stockholm",
        "Rasmus Aalto",
        "Emilia Johansson Bergh",
        "rasmus.aalto@exempelkommun.se",
        "08-530 610 77",
    ],
}
PLANTED = [value for values in PLANTED_IN.values() for value in values]
# The words of the planted names and addresses, for the lexical index, which keeps words, not phrases.
PLANTED_WORDS = sorted(
    {w.lower() for value in PLANTED if not re.search(r"\d|@", value) for w in re.split(r"[\s-]+", value)}
    | {"köpmangatan", "storgatan", "kristinas"}
)
# What each document states about responsibility: (principal, actor as written).
STATEMENTS = {
    "socialnamnd-protokoll-2024-05-14": {("kommun", "Kommunen"), ("region", "Regionen"), ("kommun", "Socialtjänsten")},
    "utredning-lvm-2024": {("kommun", "Socialnämnden"), ("region", "Regionen")},
    "samordnad-plan": {("region", "Region"), ("kommun", "Kommunen")},
    "bistandsbeslut": {("kommun", "Kommunen"), ("region", "Regionen")},
}


def write_docx(path: Path) -> None:
    from docx import Document

    document = Document()
    for kind, content in DOCX_LINES:
        if kind == "heading":
            document.add_heading(content, level=1)
        elif kind == "table":
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for row, values in zip(table.rows, content):
                for cell, value in zip(row.cells, values):
                    cell.text = value
        else:
            document.add_paragraph(content)
    document.save(path)


def write_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for line in PDF_LINES:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Settings:
    """The fixture corpus, in four formats, through `kb ingest` into a data dir of its own."""
    root = tmp_path_factory.mktemp("personal")
    folder = root / "in"
    shutil.copytree(FIXTURES, folder)
    write_docx(folder / "samordnad-plan.docx")
    write_pdf(folder / "bistandsbeslut.pdf")
    env = {"KB_DATA_DIR": str(root / "data")}
    result = runner.invoke(cli, ["ingest", str(folder)], env=env)
    assert result.exit_code == 0, result.output
    assert "4 nya dokument" in result.output
    return Settings.from_env(data_dir=root / "data", corpus_dir=folder)


@pytest.fixture(scope="module")
def api(ingested):
    from app.web import create_app

    with TestClient(create_app(ingested)) as client:
        yield client


def leaks(text: str) -> list[str]:
    folded = text.casefold()
    found = [value for value in PLANTED if value.casefold() in folded]
    return found + [w for w in PLANTED_WORDS if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded)]


@pytest.mark.model  # kb ingest loads the model itself
def test_the_four_formats_are_read_and_their_statements_survive(ingested):
    from index.storage import Store

    store = Store(ingested)
    found = {d.doc_id: d for d in store.documents()}
    assert set(found) == set(STATEMENTS)
    for doc_id, expected in STATEMENTS.items():
        statements = [r for p in store.document_passages(doc_id) for r in p.responsibility]
        assert {(r.principal, r.actor) for r in statements} == expected, doc_id
        assert not any("[" in r.activity for r in statements), doc_id
    masked = found["socialnamnd-protokoll-2024-05-14"].report["masked"]
    assert masked["namn"] >= 16 and masked["kundnummer"] == 2 and masked["personnummer"] == 1
    assert found["utredning-lvm-2024"].report["masked"]["samordningsnummer"] == 1
    assert found["bistandsbeslut"].report["masked"]["adress"] == 1


@pytest.mark.model
def test_no_value_is_in_any_database_row(ingested):
    with sqlite3.connect(ingested.db_path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert {"documents", "versions", "chunks", "responsibilities"} <= set(tables)
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 (names from sqlite_master)
                for value in row:
                    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                    assert not leaks(text), (table, leaks(text))


@pytest.mark.model
def test_no_value_is_in_the_index_files(ingested):
    """Generations hold the vectors, the lexical index and their metadata."""
    generations = ingested.shared_dir / "generations"
    files = [p for p in generations.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        assert not leaks(text), (path.name, leaks(text))


def files_holding(folder: Path, found=leaks) -> dict[str, list[str]]:
    """Every file under a folder whose bytes hold a value, with the values: the database, its log,
    the index, the kept copies, uploads, drafts' copies, whatever else is there."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        values = found(path.read_bytes().decode("utf-8", "replace"))
        if values:
            out[str(path.relative_to(folder))] = values
    return out


def members_holding(archive: Path, found=leaks) -> dict[str, list[str]]:
    """The same for every file in a `kb backup` archive."""
    out = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile():
                values = found(tar.extractfile(member).read().decode("utf-8", "replace"))
                if values:
                    out[member.name] = values
    return out


@pytest.mark.model
def test_nothing_kept_on_disk_holds_a_value(ingested):
    """What is kept of each file is its masked copy (sources/*.kept.json): the reader's lines with the values masked."""
    assert files_holding(ingested.data_dir) == {}
    kept = sorted(p.name for p in (ingested.shared_dir / "sources").rglob("*") if p.is_file())
    assert len(kept) == 4 and all(name.endswith(".kept.json") for name in kept)
    assert not (ingested.shared_dir / "originals").exists()
    copies = " ".join(p.read_text(encoding="utf-8") for p in (ingested.shared_dir / "sources").rglob("*.kept.json"))
    assert "[namn]" in copies and "[personnummer]" in copies and "Regionen ansvarar" in copies


@pytest.mark.model
def test_a_rebuild_reads_the_masked_copies_to_the_same_passages_and_a_backup_holds_no_value(ingested, tmp_path):
    from index.storage import Store

    store = Store(ingested)
    passages = {
        d.doc_id: [(p.chunk_id, p.text, p.page, p.line_start) for p in store.document_passages(d.doc_id)]
        for d in store.documents()
    }
    reports = {d.doc_id: d.report for d in store.documents()}
    env = {"KB_DATA_DIR": str(ingested.data_dir)}
    elsewhere = tmp_path / "tom"  # --rebuild needs nothing of the folder the files came from
    elsewhere.mkdir()
    result = runner.invoke(cli, ["ingest", "--rebuild", str(elsewhere)], env=env)
    assert result.exit_code == 0, result.output
    assert "4 nya versioner" in result.output
    again = {
        d.doc_id: [(p.chunk_id, p.text, p.page, p.line_start) for p in store.document_passages(d.doc_id)]
        for d in store.documents()
    }
    assert again == passages
    assert {d.doc_id: d.report for d in store.documents()} == reports
    assert files_holding(ingested.data_dir) == {}

    archive = tmp_path / "kopia.tar.gz"
    result = runner.invoke(cli, ["backup", str(archive)], env=env)
    assert result.exit_code == 0, result.output
    assert "Originalfilerna ingår" not in result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert any(name.endswith(".kept.json") for name in names) and not any(
        name.startswith("originals") for name in names
    )
    assert members_holding(archive) == {}


@pytest.fixture
def admin(ingested, embedder, tmp_path):
    """An editor signed in to a copy of the ingested data dir."""
    from app.auth import add_user
    from app.web import create_app
    from index.retrieve.search import Searcher
    from tests.test_auth import PASSWORD, login
    from tests.ui_fixtures import _copy_data_dir

    _copy_data_dir(ingested.data_dir, tmp_path / "data")
    settings = Settings.from_env(data_dir=tmp_path / "data", corpus_dir=ingested.corpus_dir)
    searcher = Searcher(settings, embedder)
    add_user(searcher.store, "rut", "editor", PASSWORD)
    with TestClient(create_app(settings, searcher)) as client:
        assert login(client, "rut").status_code == 303
        yield client, settings


@pytest.mark.model
def test_an_upload_is_kept_as_its_masked_copy_from_draft_to_publication(admin, tmp_path):
    """The uploaded file is gone as soon as its draft is read; the draft, publishing and the folder keep
    the masked copy."""
    from tests.test_admin import draft_link, publish_draft, upload, wait_for

    client, settings = admin
    write_docx(tmp_path / "plan.docx")
    link = draft_link(
        wait_for(client, upload(client, "plan.docx", (tmp_path / "plan.docx").read_bytes(), doc_id="plan-uppladdad"))
    )
    folder = next((settings.shared_dir / "uploads" / "plan-uppladdad").iterdir())
    assert sorted(p.name for p in folder.iterdir()) == ["plan-uppladdad.kept.json"]
    assert files_holding(settings.data_dir) == {}  # the draft and its own copy of the corpus too
    assert "Klart" in publish_draft(client, link)
    written = (FIXTURES / "utredning-lvm-2024.txt").read_bytes()
    from tests.test_admin import upload_and_publish

    assert "Klart" in upload_and_publish(client, "utredning.txt", written, doc_id="utredning-uppladdad")
    page = html.unescape(client.get("/admin").text)
    assert "Originalfilerna sparas inte" in page
    from index.storage import Store

    store = Store(settings)
    assert {
        (r.principal, r.actor) for p in store.document_passages("plan-uppladdad") for r in p.responsibility
    } == STATEMENTS["samordnad-plan"]
    assert store.document("plan-uppladdad").source_path.endswith("plan-uppladdad.kept.json")
    assert files_holding(settings.data_dir) == {}
    assert not (settings.shared_dir / "drafts").exists() or not any((settings.shared_dir / "drafts").iterdir())


@pytest.mark.model
def test_no_value_is_in_any_api_answer_or_page(api):
    documents = api.get("/api/documents")
    answers = [documents.text]
    for document in documents.json():
        body = api.get(f"/api/documents/{document['doc_id']}")
        answers += [body.text, api.get(f"/documents/{document['doc_id']}").text]
        for passage in body.json()["chunks"]:
            answers += [
                api.get(f"/api/passages/{passage['chunk_id']}").text,
                api.get(f"/passage/{passage['chunk_id']}").text,
            ]
    for q in (
        "Johan Karlsson",
        "Kuusela handläggare",
        "väntelista behandlingshemmet",
        "vem ansvarar för abstinensbehandling",
        "Storgatan Härnösand",
        "Ulrika Nyström samordnad individuell plan",
        "Rasmus Aalto bistånd",
    ):
        for path in ("/api/search", "/api/responsibility"):
            body = api.get(path, params={"q": q}).json()
            assert body.pop("query") == q  # the question asked is echoed; what is found must not hold it
            answers.append(json.dumps(body, ensure_ascii=False))
        page = html.unescape(api.get("/", params={"q": q}).text)
        for word in q.split():  # the page echoes the question and its words ("inget dokument nämner …")
            page = re.sub(rf"(?i)(?<!\w){re.escape(word)}(?!\w)", "", page)
        answers.append(page)
    for answer in answers:
        assert not leaks(answer), leaks(answer)
    assert sum("[namn]" in a for a in answers) > 10  # the markers are there to read


@pytest.mark.model
def test_kb_inspect_counts_what_was_masked_by_kind_never_the_values(ingested):
    result = runner.invoke(
        cli, ["inspect", "socialnamnd-protokoll-2024-05-14"], env={"KB_DATA_DIR": str(ingested.data_dir)}
    )
    assert result.exit_code == 0, result.output
    assert not leaks(result.output), leaks(result.output)
    line = next(line for line in result.output.splitlines() if line.startswith("Personuppgifter maskade:"))
    assert re.search(r"\(namn \d+, .*kundnummer 2.*personnummer 1", line), line
    assert "telefonnummer 1" in line and "e-postadresser 1" in line and "gatuadresser 1" in line


def _cleaned_lines(path: Path) -> list[str]:
    raw = read_file(path)
    head = read_head(raw.lines)
    return [ln.text for ln in clean(RawText(strip_head(raw.lines, head), raw.format, raw.pages, raw.page_count)).lines]


REAL = sorted(p for p in [*CORPUS.glob("*.txt"), *CORPUS.glob("*.md"), *MORE.glob("*-*.md")])


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_redaction_never_touches_a_unit_actor_or_role_of_the_real_corpus(path):
    """Every unit, actor word and role the lexicon finds on a line of a real document is still there,
    in the same order, after redaction: names and numbers go, who is responsible stays."""
    lines = _cleaned_lines(path)
    result = redact_lines(lines)
    for mask in result.masks:
        if mask.kind == "e-post":  # "kommun@botkyrka.se" names a unit inside an address: the address goes
            continue
        for m in mentions(lines[mask.line]):
            assert m.end <= mask.start or m.start >= mask.end, (mask.kind, lines[mask.line], m.name)


@pytest.mark.parametrize("path", [*REAL, *sorted(FIXTURES.glob("*.*"))], ids=lambda p: p.stem)
def test_reading_the_kept_copy_gives_the_same_document(path):
    """What --rebuild, a marked name and publishing a draft read: the masked copy, to the same passages, lines,
    pages and counts; a copy read again is kept as it was."""
    from ingest.kept import dump_kept, load_kept
    from ingest.parse import parse_file, parse_raw

    document = parse_file(path)
    raw, content_hash = load_kept(dump_kept(document.kept, "c0ffee"))
    again = parse_raw(raw, document.doc_id, str(path))
    assert content_hash == "c0ffee" and again.kept == document.kept
    assert again.text == document.text and again.report == document.report
    assert [(c.text, c.section_path, c.page, c.line_start, c.line_end) for c in again.chunks] == [
        (c.text, c.section_path, c.page, c.line_start, c.line_end) for c in document.chunks
    ]
    if path.parent == FIXTURES:
        assert not leaks("\n".join(document.kept.lines)), leaks("\n".join(document.kept.lines))


def test_the_fixtures_hold_every_planted_value_of_their_own():
    """The checks above are only as good as their list: every value listed is in its document."""
    written = {
        "samordnad-plan.docx": [c for k, c in DOCX_LINES if k != "table"]
        + [v for k, rows in DOCX_LINES if k == "table" for row in rows for v in row],
        "bistandsbeslut.pdf": PDF_LINES,
    }
    for name, values in PLANTED_IN.items():
        text = "\n".join(written[name]) if name in written else (FIXTURES / name).read_text(encoding="utf-8")
        for value in values:
            assert value in text, (name, value)


KEPT_MD = """# Rutin för samordnad individuell plan

Handläggare: Ingrid Blomqvist

Kommunen ansvarar för att kalla till samordnad individuell plan när insatser behövs från båda huvudmännen.

Regionen ansvarar för medicinsk bedömning. Frågor besvaras på ingrid.blomqvist@exempelkommun.se eller 070-412 55 90.
"""
UPLOADED_TXT = """Rutin för uppföljning

Kontaktperson: Bengt Lindkvist, telefon 08-530 611 22

Socialtjänsten ansvarar för uppföljning av beviljade insatser enligt socialtjänstlagen.
"""
KEPT_VALUES = [
    "Ingrid Blomqvist",
    "ingrid.blomqvist@exempelkommun.se",
    "070-412 55 90",
    "Bengt Lindkvist",
    "08-530 611 22",
]


def kept_values(text: str) -> list[str]:
    return [value for value in KEPT_VALUES if value in text]


@pytest.fixture
def keeping(tmp_path, embedder):
    """KB_KEEP_ORIGINALS=1 over a small corpus, with an editor signed in."""
    from app.auth import add_user
    from app.web import create_app
    from index.building.indexer import Indexer
    from index.retrieve.search import Searcher
    from tests.test_auth import PASSWORD, login

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "samordnad-rutin.md").write_text(KEPT_MD, encoding="utf-8")
    settings = Settings.from_env(data_dir=tmp_path / "data", corpus_dir=corpus, keep_originals=True)
    Indexer(settings, embedder).ingest([corpus], who="start")
    searcher = Searcher(settings, embedder)
    add_user(searcher.store, "rut", "editor", PASSWORD)
    with TestClient(create_app(settings, searcher)) as client:
        assert login(client, "rut").status_code == 303
        yield client, settings, corpus


@pytest.mark.model
def test_kept_originals_stay_apart_and_reach_only_a_backup_that_asks_for_them(keeping, embedder, tmp_path):
    from index.building.indexer import Indexer
    from tests.test_admin import draft_link, publish_draft, upload, wait_for

    client, settings, corpus = keeping
    data = settings.data_dir
    originals = data / "originals"
    assert [p.read_bytes() for p in originals.rglob("*.md")] == [(corpus / "samordnad-rutin.md").read_bytes()]
    link = draft_link(wait_for(client, upload(client, "uppfoljning.txt", UPLOADED_TXT.encode(), doc_id="uppfoljning")))
    assert UPLOADED_TXT.encode() in [p.read_bytes() for p in originals.rglob("*.txt")]  # moved when its draft was read
    assert [p.name for p in (data / "uploads" / "uppfoljning").rglob("*") if p.is_file()] == ["uppfoljning.kept.json"]
    assert "Klart" in publish_draft(client, link)
    assert "Originalfilerna sparas, med personuppgifterna i dem" in html.unescape(client.get("/admin").text)
    thrown = UPLOADED_TXT.replace("uppföljning av", "uppföljning och tillsyn av").encode()
    link = draft_link(wait_for(client, upload(client, "slang.txt", thrown, doc_id="slang")))
    assert thrown in [p.read_bytes() for p in originals.rglob("*.txt")]
    from tests.test_auth import csrf_of

    client.post(link + "/discard", data={"csrf": csrf_of(client.get(link).text)}, follow_redirects=False)
    assert thrown not in [
        p.read_bytes() for p in originals.rglob("*.txt")
    ]  # a draft thrown away takes its original along
    assert not (data / "uploads" / "slang").exists()
    holding = files_holding(data, kept_values)
    assert holding and all(path.startswith("originals/") for path in holding), holding
    assert set(sum(holding.values(), [])) == set(KEPT_VALUES)

    env = {"KB_DATA_DIR": str(data), "KB_KEEP_ORIGINALS": "1"}
    plain, asked = tmp_path / "utan.tar.gz", tmp_path / "med.tar.gz"
    result = runner.invoke(cli, ["backup", str(plain)], env=env)
    assert result.exit_code == 0 and "Originalfilerna ingår" not in result.output, result.output
    assert members_holding(plain, kept_values) == {}
    result = runner.invoke(cli, ["backup", "--originals", str(asked)], env=env)
    assert result.exit_code == 0 and "Originalfilerna ingår, med personuppgifterna i dem" in result.output, (
        result.output
    )
    holding = members_holding(asked, kept_values)
    assert holding and all(name.startswith("originals/") for name in holding)

    run = Indexer(settings, embedder).ingest([corpus], rebuild=True)  # read from the originals, to the same version
    assert {(f.doc_id, f.outcome, f.version) for f in run.files} == {
        ("samordnad-rutin", "revised", 1),
        ("uppfoljning", "revised", 1),
    }
    plain_settings = Settings.from_env(
        data_dir=data, corpus_dir=corpus
    )  # the setting back at 0: the next re-index deletes them
    Indexer(plain_settings, embedder).ingest([corpus])
    assert not originals.exists()
    assert files_holding(data, kept_values) == {}


MISSED_MD = """# Rutin för uppföljning av insatser

Kommunen ansvarar för uppföljning av insatser enligt socialtjänstlagen.

Vid mötet deltog även Xiomara Quispe från brukarföreningen, och Xiomara Quispes synpunkter fördes till protokollet.

Regionen ansvarar för abstinensbehandling.
"""


def quispe(text: str) -> list[str]:
    return ["Quispe"] if "quispe" in text.casefold() else []


@pytest.fixture
def marking(tmp_path, embedder):
    """A document in two versions whose rules miss a name, with an editor signed in."""
    from app.auth import add_user
    from app.web import create_app
    from index.building.indexer import Indexer
    from index.retrieve.search import Searcher
    from tests.test_auth import PASSWORD, login

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    source = corpus / "uppfoljning.md"
    source.write_text(MISSED_MD, encoding="utf-8")
    settings = Settings.from_env(data_dir=tmp_path / "data", corpus_dir=corpus)
    Indexer(settings, embedder).ingest([corpus], who="start")
    source.write_text(
        MISSED_MD + "\nSocialtjänsten ansvarar för att kalla till samordnad individuell plan.\n", encoding="utf-8"
    )
    Indexer(settings, embedder).ingest([corpus], who="start")
    searcher = Searcher(settings, embedder)
    add_user(searcher.store, "rut", "editor", PASSWORD)
    with TestClient(create_app(settings, searcher)) as client:
        assert login(client, "rut").status_code == 303
        yield client, searcher, settings, corpus


@pytest.mark.model
def test_a_name_an_editor_marks_leaves_the_document_and_stays_gone(marking, embedder):
    from index.building.indexer import Indexer
    from tests.test_admin import wait_for
    from tests.test_auth import csrf_of

    client, searcher, settings, corpus = marking
    store = searcher.store
    assert any("Xiomara Quispe" in p.text for p in store.document_passages("uppfoljning"))  # the rules miss it
    assert files_holding(settings.data_dir, quispe)
    page = client.get("/admin/documents/uppfoljning/reading")
    assert "Ett namn som inte maskades" in page.text
    token = csrf_of(page.text)

    def mark(name: str, csrf: str = token):
        return client.post(
            "/admin/documents/uppfoljning/mask", data={"name": name, "csrf": csrf}, follow_redirects=False
        )

    assert mark("Xiomara Quispe", "fel").status_code == 403
    refused = mark("")
    assert refused.status_code == 400 and "Skriv namnet som det står i texten" in html.unescape(refused.text)
    done = wait_for(client, mark("Xiomara Quispe"))
    assert "är läst om" in done, done

    passages = store.document_passages("uppfoljning")
    assert any("deltog även [namn] från brukarföreningen, och [namn] synpunkter" in p.text for p in passages)
    assert {(r.principal, r.actor) for p in passages for r in p.responsibility} >= {
        ("kommun", "Kommunen"),
        ("region", "Regionen"),
    }
    assert (
        files_holding(settings.data_dir, quispe) == {}
    )  # passages old and new, kept copies of both versions, index, log
    assert not any(
        h.passage.doc_id == "uppfoljning" and "Quispe" in h.passage.text for h in searcher.search("Xiomara Quispe")
    )
    reading = html.unescape(client.get("/admin/documents/uppfoljning/reading").text)
    assert "Markerade namn i dokumentet: 1 (2 ord, av rut" in reading and "Quispe" not in reading
    audit = html.unescape(client.get("/admin/audit").text)
    assert "namn markerat för maskning" in audit and "Quispe" not in audit
    again = mark("xiomara quispe")
    assert again.status_code == 400 and "redan markerat" in html.unescape(again.text)

    run = Indexer(settings, embedder).ingest([corpus])  # the corpus folder's file still has it
    assert [f.outcome for f in run.files] == ["unchanged"]
    run = Indexer(settings, embedder).ingest([corpus], rebuild=True)
    assert [(f.outcome, f.version) for f in run.files] == [("revised", 2)]
    assert files_holding(settings.data_dir, quispe) == {}
    assert store.document("uppfoljning").report["masked"] == {"namn": 2}


@pytest.mark.model
def test_a_data_dir_of_an_earlier_release_is_masked_at_the_next_reindex(tmp_path, embedder):
    """Earlier releases kept every file as it came, in sources/ and uploads/: the next re-index keeps the
    masked copies only."""
    from app.progress import masked_at_rest
    from index.building.indexer import Indexer
    from index.storage import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "samordnad-rutin.md").write_text(KEPT_MD, encoding="utf-8")
    settings = Settings.from_env(data_dir=tmp_path / "data", corpus_dir=corpus)
    data = settings.data_dir
    Indexer(settings, embedder).ingest([corpus])
    uploaded = data / "uploads" / "uppfoljning" / "20240101T000000000000" / "uppfoljning.txt"
    uploaded.parent.mkdir(parents=True)
    uploaded.write_text(UPLOADED_TXT, encoding="utf-8")
    Indexer(settings, embedder).ingest([uploaded])  # as a publication of an earlier release left it
    store = Store(settings)
    passages = {d.doc_id: [p.text for p in store.document_passages(d.doc_id)] for d in store.documents()}
    with sqlite3.connect(
        settings.db_path
    ) as db:  # the kept files as an earlier release wrote them: the bytes as they came
        for doc_id, version, source_file, content_hash in db.execute(
            "SELECT doc_id, version, source_file, content_hash FROM versions"
        ).fetchall():
            original = corpus / "samordnad-rutin.md" if doc_id == "samordnad-rutin" else uploaded
            old = Path("sources") / content_hash[:2] / f"{content_hash}{original.suffix}"
            (data / source_file).unlink()
            shutil.copy(original, data / old)
            db.execute(
                "UPDATE versions SET source_file = ? WHERE doc_id = ? AND version = ?", (str(old), doc_id, version)
            )
    assert set(sum(files_holding(data, kept_values).values(), [])) == set(KEPT_VALUES)

    run = Indexer(settings, embedder).ingest([corpus])
    assert [(f.doc_id, f.outcome) for f in run.files] == [("samordnad-rutin", "unchanged")]
    assert masked_at_rest(run.rewritten) == " 3 sparade filer med personuppgifter byttes mot maskade kopior."
    assert files_holding(data, kept_values) == {}
    assert not uploaded.exists() and store.document("uppfoljning").source_path == str(
        uploaded.with_name("uppfoljning.kept.json")
    )
    run = Indexer(settings, embedder).ingest([corpus], rebuild=True)
    assert run.rewritten == 0 and {f.outcome for f in run.files} == {"revised"}
    assert {d.doc_id: [p.text for p in store.document_passages(d.doc_id)] for d in store.documents()} == passages
