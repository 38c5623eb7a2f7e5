"""`kb`: ingest documents, search them, serve the web app, measure retrieval."""

from __future__ import annotations

import json
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


@cli.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Filer eller mappar (standard: corpus/)")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Läs om alla dokument från sparade källfiler")] = False,
):
    """Indexera dokument: bara ändrade filer läses om; borttagna filer tas ur sökningen."""
    from tqdm import tqdm

    from index.build import Indexer, MissingSources, WriterBusy

    settings = _settings()
    paths = paths or [settings.corpus_dir]
    indexer = Indexer(settings)
    bar = tqdm(desc="Läser", unit=" fil", file=sys.stderr)
    try:
        run = indexer.ingest(paths, rebuild=rebuild, on_file=lambda p: bar.update(1) or bar.set_postfix_str(p.name))
    except (WriterBusy, MissingSources) as exc:
        _fail(str(exc), 2)
    except ValueError as exc:  # a malformed manifest
        _fail(f"Fel i manifest: {exc}", 2)
    finally:
        bar.close()
    for result in run.files:
        if result.outcome == "failed":
            typer.secho(f"FEL  {result.path}: {result.error}", fg=typer.colors.RED, err=True)
            continue
        report = result.report
        line = f"{result.outcome:<9} {result.doc_id}"
        if result.version:
            line += f" v{result.version}"
        if result.note:
            line += f" · {result.note}"
        if report and result.outcome in ("new", "revised"):
            line += (
                f" · {report.get('format')} · {report.get('sections', 0)} avsnitt · {report.get('chunks', 0)} stycken"
                f" · {report.get('tables', 0)} tabeller · {report.get('footnotes', 0)} fotnoter"
                f" · {report.get('redactions', 0)} maskade · {report.get('off_topic', 0)} utanför ämnet"
                f" · {result.embedded} nya vektorer"
            )
            if report.get("pages"):
                line += f" · {report['pages']} sidor"
        typer.echo(line)
        for warning in report.get("warnings", []) if result.outcome in ("new", "revised") else []:
            typer.secho(f"          varning: {warning}", fg=typer.colors.YELLOW)
    typer.echo(f"Index generation {run.generation}; {run.embedded} stycken bäddades in.")
    if run.failed:
        raise typer.Exit(1)


@cli.command()
def search(
    query: Annotated[str, typer.Argument(help="Frågan")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Antal träffar")] = 5,
    region: Annotated[Optional[str], typer.Option(help="Bara detta län")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Skriv ut JSON som API:t")] = False,
):
    """Sök och skriv ut svaret med källhänvisningar."""
    from app.payloads import search_payload
    from index.search import IndexMissing, Searcher

    try:
        payload = search_payload(Searcher(_settings()), query, k=k, region=region)
    except IndexMissing as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    answer = payload["answer"]
    if answer:
        typer.secho(f"Ansvarig huvudman: {answer['principal'] or 'inte angivet'} {', '.join(answer['units'])}", bold=True)
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


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Adress att lyssna på")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
):
    """Starta webbgränssnittet och API:t."""
    import uvicorn

    from app.web import create_app
    from index.search import IndexMissing, Searcher

    settings = _settings()
    searcher = Searcher(settings)
    try:
        searcher.load()
    except IndexMissing as exc:
        _fail(str(exc), 2)
    # uvicorn's own proxy handling believes X-Forwarded-For from any local client; the app's follows KB_TRUSTED_PROXIES.
    uvicorn.run(create_app(settings, searcher), host=host, port=port, proxy_headers=False)


@cli.command(name="eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="Frågor i JSONL, som ../shared/eval/dev.jsonl")],
    mode: Annotated[str, typer.Option(help="hybrid | bm25 | dense")] = "hybrid",
):
    """Mät träffsäkerheten: Recall@1, Recall@5, MRR@10, huvudman, prioritet och svarstid."""
    from index.evaluate import evaluate_file, format_report
    from index.search import MODES, IndexMissing, Searcher

    if mode not in MODES:
        _fail(f"Okänt läge {mode!r}; välj något av {', '.join(MODES)}.", 2)
    if not file.is_file():
        _fail(f"Filen {file} finns inte.", 2)
    try:
        report = evaluate_file(Searcher(_settings()), file, mode)
    except IndexMissing as exc:
        _fail(str(exc), 2)
    except ValueError as exc:
        _fail(str(exc), 2)
    typer.echo(format_report(report))


@cli.command()
def backup(file: Annotated[Path, typer.Argument(help="Arkivet som skapas, t.ex. kb-2026-12-01.tar.gz")]):
    """Säkerhetskopiera databas, källfiler, uppladdningar, nyckel och index till en fil (tjänsten kan vara igång)."""
    from index.backup import BackupError, backup as make_backup
    from index.build import WriterBusy

    try:
        summary = make_backup(_settings(), file)
    except (BackupError, WriterBusy) as exc:
        _fail(str(exc), 2)
    typer.echo(
        f"Säkerhetskopian {file} är skriven ({summary['bytes'] / 2**20:.1f} MB): {summary['documents']} dokument, "
        f"{summary['versions']} versioner, {summary['accounts']} konton, {summary['courses']} kurser, "
        f"{summary['audit_entries']} loggrader, index {summary['generation']}."
    )
    if not summary["secret_key"]:
        typer.secho("Nyckeln för inloggningar ingår inte (KB_SECRET_KEY är satt): spara den separat.", fg=typer.colors.YELLOW)


@cli.command()
def restore(file: Annotated[Path, typer.Argument(help="Ett arkiv från kb backup")]):
    """Återställ en säkerhetskopia till KB_DATA_DIR, som måste vara tom eller saknas."""
    from index.backup import BackupError, restore as restore_backup

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
    from index.store import Store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    store = Store(_settings().db_path)
    try:
        created = add_user(store, name, role, password)
    except ValueError as exc:
        _fail(f"Kontot sparades inte: {exc}.", 2)
    audit(store, None, "konto skapat" if created else "konto ändrat", f"{name} ({role}) via kb user add")
    typer.echo(f"Kontot {name} ({role}) är {'skapat' if created else 'uppdaterat'}.")


def main() -> None:
    cli()
