"""The `kb` command as an editor or a script uses it."""

import json
import re

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.conftest import CORPUS

runner = CliRunner()


@pytest.mark.model  # kb ingest loads the model itself
def test_ingest_reports_each_document_and_fails_on_bad_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "norrbotten-handlingsplan-2021.md").write_bytes(
        (CORPUS / "norrbotten-handlingsplan-2021.md").read_bytes()
    )
    (folder / "tom.txt").write_text("")
    result = runner.invoke(
        cli, ["ingest", str(folder), str(tmp_path / "saknas.pdf")], env={"KB_DATA_DIR": str(tmp_path / "data")}
    )
    assert result.exit_code == 1
    assert "nytt        norrbotten-handlingsplan-2021 v1 · md ·" in result.output
    assert "Läser dokument 1 av 2: norrbotten-handlingsplan-2021.md" in result.output  # progress names each in turn
    assert "Läser dokument 2 av 2: tom.txt" in result.output
    windows = re.findall(r"Bäddar in stycken med ny text: textbit \d+ av (\d+)", result.output)
    assert windows and len(set(windows)) == 1
    passages = re.search(r"· (\d+) stycken ·", result.output).group(1)  # the document's own line
    assert (  # the summary in the progress's numbers: 2 documents, the passages, the windows
        "Klart: indexgeneration 1. 2 dokument lästa: 1 nytt dokument, 0 nya versioner, 0 oförändrade, 1 med fel. "
        f"1 angiven sökväg finns inte. De nya och ändrade dokumenten har {passages} stycken, varav {passages} med ny "
        f"text "
        f"som bäddades in ({windows[0]} textbitar)."
    ) in result.output
    assert not any(word in result.output for word in ("new ", "Index generation", "1 tabeller"))
    error_lines = [line for line in result.output.splitlines() if line.startswith("FEL")]
    assert len(error_lines) == 2
    assert any("tom.txt" in line for line in error_lines)
    assert any("saknas.pdf" in line and "finns inte" in line for line in error_lines)


def test_search_json_matches_the_api(settings, ingest_run):
    result = runner.invoke(
        cli,
        ["search", "vem ansvarar för abstinensbehandling", "-k", "3", "--json"],
        env={"KB_DATA_DIR": str(settings.data_dir)},
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["query"] == "vem ansvarar för abstinensbehandling"
    assert len(payload["results"]) == 3


def test_search_and_serve_without_an_index_say_how_to_build_it(tmp_path):
    env = {"KB_DATA_DIR": str(tmp_path / "tom")}
    for args in (["search", "LVM"], ["serve"]):
        result = runner.invoke(cli, args, env=env)
        assert result.exit_code == 2
        assert "kb ingest" in result.output


def test_serve_on_a_taken_port_says_what_to_do(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--port", str(port)], env={"KB_DATA_DIR": str(tmp_path / "tom")})
    assert result.exit_code == 2
    assert f"Porten {port} på 127.0.0.1 används redan" in result.output
    assert f"make run PORT={port + 1}" in result.output


def settings_rows(path) -> dict[str, str]:
    """The rows of a page's settings table under "## Configuration": variable → its default cell."""
    text = path.read_text(encoding="utf-8")
    section = text[text.index("## Configuration") :].split("\n## ", 1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(KB_[A-Z_]+)` \| ([^|]+) \|", section, re.M)}


def test_every_setting_is_documented_with_its_default():
    """docs/operations.md lists every setting, one row each; README.md's short table names only real ones.
    A default the code declares as a number or a flag is the one the table gives, in both."""
    from dataclasses import MISSING, fields

    from index.config import HELP, PROJECT_DIR, SETTINGS, Settings

    read = set(re.findall(r'"(KB_[A-Z_]+)"', (PROJECT_DIR / "index" / "config.py").read_text(encoding="utf-8")))
    assert read == set(HELP), "every variable config.py reads has its help text"
    assert len({s.variable for s in SETTINGS}) == len({s.field for s in SETTINGS}) == len(SETTINGS)
    assert {s.field for s in SETTINGS} <= {f.name for f in fields(Settings)}, "each declared once, for a real field"
    documented = settings_rows(PROJECT_DIR / "docs" / "operations.md")
    assert set(documented) == set(HELP)
    entry = settings_rows(PROJECT_DIR / "README.md")
    assert entry and set(entry) <= set(HELP)
    declared = {f"KB_{f.name.upper()}": f.default for f in fields(Settings) if f.default is not MISSING}
    checked = 0
    for variable, default in declared.items():
        if variable not in HELP or not isinstance(default, int) or not (isinstance(default, bool) or default >= 1):
            continue  # a number below 1 means "not set" (KB_ENCODER_THREADS: every core), which the table says in words
        expected = f"`{int(default)}`"
        assert documented[variable] == expected, variable
        assert entry.get(variable, expected) == expected, variable
        checked += 1
    assert checked >= 7  # the upload and reading limits and the two flags


def test_a_setting_that_cannot_be_used_stops_kb_with_its_name(tmp_path):
    result = runner.invoke(cli, ["search", "LVM"], env={"KB_DATA_DIR": str(tmp_path), "KB_MAX_UPLOAD_MB": "tjugo"})
    assert result.exit_code == 2
    assert "KB_MAX_UPLOAD_MB måste vara ett positivt heltal, inte 'tjugo'" in result.output
    result = runner.invoke(
        cli, ["search", "LVM"], env={"KB_DATA_DIR": str(tmp_path), "KB_TRUSTED_PROXIES": "proxy.local"}
    )
    assert result.exit_code == 2 and "KB_TRUSTED_PROXIES" in result.output
    result = runner.invoke(
        cli, ["search", "LVM"], env={"KB_DATA_DIR": str(tmp_path), "KB_ALLOWED_HOSTS": "kb.region.se:8000"}
    )
    assert result.exit_code == 2 and "KB_ALLOWED_HOSTS ska vara värdnamn" in result.output


def test_inspect_shows_how_a_document_was_read(settings, ingest_run):
    env = {"KB_DATA_DIR": str(settings.data_dir)}
    result = runner.invoke(cli, ["inspect", "dalarna-overenskommelse-2021"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Avsnitt (" in out and "3.3.1 Insatser som regionen ansvarar för" in out
    assert "rad: Abstinensvård — Primärvård (X)" in out  # a matrix as rows
    assert re.search(r"region\s+list\s+.*abstinensbehandling i öppen- och slutenvård", out)
    assert "sidhuvud eller sidfot (6)" in out  # what cleaning removed, and why
    missing = runner.invoke(cli, ["inspect", "finns-inte"], env=env)
    assert missing.exit_code == 2 and "finns inte" in missing.output
