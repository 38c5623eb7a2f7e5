"""`kb`: ingest documents, search them, serve the web app, measure retrieval."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from index.config import Settings, SettingsError

cli = typer.Typer(help="Vem gör vad – kunskapsbas för missbruks- och beroendevården.", no_args_is_help=True)


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _settings() -> Settings:
    """The environment's settings, or a clear message naming the variable that cannot be used."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        _fail(f"Fel i inställningarna: {exc}", 2)


OUTCOMES = {
    "new": "nytt",
    "revised": "ny version",
    "unchanged": "oförändrat",
    "failed": "FEL",
    "retired": "borttaget",
    "skipped": "överhoppat",
}


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _report_line(result) -> str:
    """One document's line of the ingest summary, in Swedish."""
    line = f"{OUTCOMES[result.outcome]:<11} {result.doc_id}"
    if result.version:
        line += f" v{result.version}"
    if result.note:
        line += f" · {result.note}"
    report = result.report
    if report and result.outcome in ("new", "revised"):
        parts = [
            report.get("format"),
            _count(report.get("sections", 0), "avsnitt", "avsnitt"),
            _count(report.get("chunks", 0), "stycke", "stycken"),
            _count(report.get("tables", 0), "tabell", "tabeller"),
            _count(report.get("footnotes", 0), "fotnot", "fotnoter"),
            _count(report.get("redactions", 0), "maskning", "maskningar"),
            _count(report.get("off_topic", 0), "stycke utanför ämnet", "stycken utanför ämnet"),
            _count(result.embedded, "stycke med ny text", "stycken med ny text"),
        ]
        if report.get("pages"):
            parts.append(_count(report["pages"], "sida", "sidor"))
        line += " · " + " · ".join(parts)
    return line


@cli.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Filer eller mappar (standard: corpus/)")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Läs om alla dokument från sparade källfiler")] = False,
):
    """Indexera dokument: bara ändrade filer läses om; borttagna filer tas ur sökningen."""
    from app.progress import masked_at_rest, progress_line, summary
    from index.building.indexer import EMBEDDING, Indexer, MissingSources
    from index.storage import WriterBusy

    settings = _settings()
    paths = paths or [settings.corpus_dir]
    indexer = Indexer(settings)
    windows = 0

    def show(step) -> None:
        """A line per document read and per stage, so a long embedding run never looks hung."""
        nonlocal windows
        if step.stage == EMBEDDING:
            windows = step.total
        typer.echo(progress_line(step), err=True)

    try:
        run = indexer.ingest(paths, rebuild=rebuild, progress=show)
    except (WriterBusy, MissingSources) as exc:
        _fail(str(exc), 2)
    except ValueError as exc:  # a malformed manifest
        _fail(f"Fel i manifest: {exc}", 2)
    for result in run.files:
        if result.outcome == "failed":
            typer.secho(f"FEL  {result.path}: {result.error}", fg=typer.colors.RED, err=True)
            continue
        typer.echo(_report_line(result))
        for warning in result.report.get("warnings", []) if result.outcome in ("new", "revised") else []:
            typer.secho(f"            varning: {warning}", fg=typer.colors.YELLOW)
    typer.echo(f"Klart: indexgeneration {run.generation}. {summary(run.files, windows)}{masked_at_rest(run.rewritten)}")
    if run.failed:
        raise typer.Exit(1)


@cli.command()
def inspect(
    doc_id: Annotated[str, typer.Argument(help="Dokumentets id (filnamnet utan filändelse)")],
):
    """Visa hur ett dokument lästes: avsnitt, stycken, ansvarsuttalanden, prioriteringar, vad som rensades bort."""
    from app.inspect import format_reading, reading_of
    from index.storage import Store

    reading = reading_of(Store(_settings()), doc_id)
    if reading is None:
        _fail(f"Dokumentet {doc_id!r} finns inte i kunskapsbasen.", 2)
    typer.echo(format_reading(reading))


@cli.command()
def search(
    query: Annotated[str, typer.Argument(help="Frågan")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Antal träffar")] = 5,
    region: Annotated[Optional[str], typer.Option(help="Bara detta län")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv ut JSON som API:t")] = False,
):
    """Sök och skriv ut svaret med källhänvisningar."""
    from app.payloads import search_payload
    from index.retrieve.search import IndexMissing, Searcher

    try:
        payload = search_payload(Searcher(_settings()), query, k=k, region=region)
    except IndexMissing as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    answer = payload["answer"]
    if answer:
        typer.secho(
            f"Ansvarig huvudman: {answer['principal'] or 'inte angivet'} {', '.join(answer['units'])}", bold=True
        )
    if not payload["results"]:
        typer.echo("Inga träffar.")
    for number, r in enumerate(payload["results"], 1):
        where = ", ".join(x for x in (r["title"], r["region"], r["section"]) if x)
        page = f", s. {r['page']}" if r["page"] else ""
        tags = " ".join(
            x for x in (r["principal"] and f"[{r['principal']}]", r["priority"] and f"[{r['priority']['label']}]") if x
        )
        typer.secho(f"{number}. {where}{page} {tags}", bold=True)
        typer.echo("   " + r["text"][:400].replace("\n", " ") + ("…" if len(r["text"]) > 400 else ""))


def _check_port(host: str, port: int) -> None:
    """Say what to do about a taken port before the model loads, instead of uvicorn's errno after it."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a closing connection is no user
        try:
            probe.bind((host, port))
        except OSError:
            _fail(
                f"Porten {port} på {host} används redan (kanske av en annan `kb serve`). "
                f"Stoppa det programmet, eller välj en annan port: `make run PORT={port + 1}` "
                f"eller `kb serve --port {port + 1}`.",
                2,
            )


def worker_environment(workers: int, encoder_threads: int = 0, cores: int | None = None) -> dict[str, str]:
    """The thread settings each of `workers` server processes starts with: several workers share the
    cores out (one thread each for two workers on two cores) instead of all fighting over every core
    (docs/speed.md). What the operator set (OMP_NUM_THREADS, or KB_ENCODER_THREADS as `encoder_threads`) stands."""
    import os

    if workers == 1 or encoder_threads or os.environ.get("OMP_NUM_THREADS"):
        return {}
    cores = cores or len(os.sched_getaffinity(0))
    return {"OMP_NUM_THREADS": str(max(1, cores // workers))}


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Adress att lyssna på")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Serverprocesser; var och en laddar modellen och indexet och får sin del av kärnorna (docs/speed.md)",
        ),
    ] = 1,
):
    """Starta webbgränssnittet och API:t."""
    import os

    import uvicorn

    from app.logs import configure as configure_logging
    from app.web import create_app
    from index.retrieve.search import NO_INDEX, IndexMissing, Searcher

    _check_port(host, port)
    configure_logging()  # before the index is loaded, so its line is printed
    settings = _settings()
    os.environ.update(worker_environment(workers, settings.encoder_threads))  # before the encoder's runtime reads it
    searcher = Searcher(settings)
    # uvicorn's own proxy handling believes X-Forwarded-For from any local client; the app's follows KB_TRUSTED_PROXIES.
    if workers == 1:
        try:
            searcher.load()
        except IndexMissing as exc:
            _fail(str(exc), 2)
        uvicorn.run(create_app(settings, searcher), host=host, port=port, proxy_headers=False, access_log=False)
        return
    if not searcher.store.generation():
        _fail(NO_INDEX, 2)
    uvicorn.run(
        "app.web:create_app", factory=True, workers=workers, host=host, port=port, proxy_headers=False, access_log=False
    )


@cli.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Frågor i JSONL, som ../shared/eval/dev.jsonl")],
    mode: Annotated[str, typer.Option(help="hybrid | bm25 | dense")] = "hybrid",
    baseline: Annotated[bool, typer.Option("--baseline", help="Mät också en ren BM25 på samma stycken")] = False,
):
    """Mät det en person ser: träffar, huvudman och prioritet på kortet (rätt, fel, avstår), svarstid."""
    from index.quality.evaluate import evaluate_file, format_report, load_questions, plain_bm25
    from index.retrieve.search import MODES, IndexMissing, Searcher

    if mode not in MODES:
        _fail(f"Okänt läge {mode!r}; välj något av {', '.join(MODES)}.", 2)
    if not file.is_file():
        _fail(f"Filen {file} finns inte.", 2)
    try:
        searcher = Searcher(_settings())
        report = evaluate_file(searcher, file, mode)
        if baseline:
            report.baseline_mrr = plain_bm25(searcher, load_questions(file))
    except IndexMissing as exc:
        _fail(str(exc), 2)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(format_report(report))


@cli.command()
def tune(
    work: Annotated[Path, typer.Option(help="Mapp för testindexen (byggs en gång, återanvänds)")] = Path("var/tuning"),
    write: Annotated[
        bool, typer.Option("--write", help="Skriv de valda parametrarna till index/data/ranking.toml")
    ] = False,
):
    """Välj rankningsparametrarna på utvikningar av alla utvecklingsfrågor och visa tränat mot utelämnat."""
    from index.retrieve.embedder import load_encoder
    from index.params import RankingParams
    from index.quality.tuning import TUNING_SETS, Tuner, format_folds, question_sets, write_defaults

    encoder = load_encoder(_settings())
    typer.echo("Bygger testindexen …", err=True)
    sets = question_sets(TUNING_SETS, work, encoder)
    start = RankingParams.defaults()
    chosen, folds = Tuner(sets, encoder, report=lambda line: typer.echo(line, err=True)).run(start)
    typer.echo(format_folds(folds, chosen, start))
    if write:
        write_defaults(chosen)
        typer.echo("Skrev index/data/ranking.toml; kör `kb ingest --rebuild` för att spara dem med indexet.")


@cli.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Arkivet som skapas, t.ex. kb-2026-12-01.tar.gz")],
    originals: Annotated[
        bool,
        typer.Option(
            "--originals", help="Ta med originalfilerna i originals/ (KB_KEEP_ORIGINALS), med personuppgifterna i dem"
        ),
    ] = False,
):
    """Säkerhetskopiera databas, maskade källtexter, uppladdningar, nyckel och index till en fil (tjänsten kan vara igång)."""  # noqa: E501 (typer shows it as one line)
    from index.ops.backup import BackupError, backup as make_backup
    from index.storage import WriterBusy

    try:
        summary = make_backup(_settings(), file, originals=originals)
    except (BackupError, WriterBusy) as exc:
        _fail(str(exc), 2)
    typer.echo(
        f"Säkerhetskopian {file} är skriven ({summary['bytes'] / 2**20:.1f} MB): {summary['documents']} dokument, "
        f"{summary['versions']} versioner, {summary['accounts']} konton, {summary['courses']} kurser, "
        f"{summary['audit_entries']} loggrader, index {summary['generation']}."
    )
    if not summary["secret_key"]:
        typer.secho(
            "Nyckeln för inloggningar ingår inte (KB_SECRET_KEY är satt): spara den separat.", fg=typer.colors.YELLOW
        )
    if summary["originals"]:
        typer.secho(
            "Originalfilerna ingår, med personuppgifterna i dem: förvara kopian därefter.", fg=typer.colors.YELLOW
        )


@cli.command()
def restore(file: Annotated[Path, typer.Argument(help="Ett arkiv från kb backup")]):
    """Återställ en säkerhetskopia till KB_DATA_DIR, som måste vara tom eller saknas."""
    from index.ops.backup import BackupError, restore as restore_backup

    settings = _settings()
    try:
        summary = restore_backup(settings, file)
    except BackupError as exc:
        _fail(str(exc), 2)
    typer.echo(
        f"Återställt till {settings.data_dir} från kopian {summary['created']}: {summary['documents']} dokument, "
        f"{summary['accounts']} konton, {summary['courses']} kurser, {summary['audit_entries']} loggrader, "
        f"index {summary['generation']}. Starta tjänsten med kb serve."
    )
    if not summary["secret_key"]:
        typer.secho("Nyckeln för inloggningar ingick inte: sätt samma KB_SECRET_KEY som förut.", fg=typer.colors.YELLOW)


user_cli = typer.Typer(help="Konton för redaktörer och utbildare.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")


@user_cli.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Inloggningsnamn")],
    role: Annotated[str, typer.Option("--role", help="editor (redaktör) eller trainer (utbildare)")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Läs lösenordet från standard in")] = False,
):
    """Skapa ett konto, eller byt lösenord och roll på ett befintligt."""
    from app.auth import add_user, audit
    from index.storage import Store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    store = Store(_settings())
    try:
        created = add_user(store, name, role, password)
    except ValueError as exc:
        _fail(f"Kontot sparades inte: {exc}.", 2)
    audit(store, None, "konto skapat" if created else "konto ändrat", f"{name} ({role}) via kb user add")
    typer.echo(f"Kontot {name} ({role}) är {'skapat' if created else 'uppdaterat'}.")


def main() -> None:
    cli()
