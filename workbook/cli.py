"""The `workbook` command. Every error we raise on purpose becomes one line, never a traceback."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from workbook.errors import WorkbookError

app = typer.Typer(
    help="Continuous-improvement workbooks for schools, districts and regions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Load, check and level state outcome files.", no_args_is_help=True)
app.add_typer(data_app, name="data")
plan_app = typer.Typer(help="Improvement plans in the store: export, import, check.",
                       no_args_is_help=True)
app.add_typer(plan_app, name="plan")

Database = Annotated[str | None, typer.Option(
    "--database", envvar="WORKBOOK_DATABASE_URL",
    help="SQLAlchemy URL; default: the SQLite file outputs/workbook.db")]
User = Annotated[str, typer.Option("--user", help="Who is making the change (recorded).")]


def _default_user() -> str:
    import getpass
    import os

    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()

Paths = Annotated[list[Path], typer.Argument(help="Files or folders of state data files.")]


@data_app.command("check")
def data_check(paths: Paths) -> None:
    """Check state files; print one `file:row:column: message` line per problem.

    Exits 1 if any problem was found, 0 if none.
    """
    from workbook import data

    problems = data.check(paths)
    for problem in problems:
        typer.echo(str(problem))
    files = len(data._expand(paths))
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {files} file(s)", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {files} file(s), no problems", err=True)


@data_app.command("levels")
def data_levels(
    paths: Paths,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
) -> None:
    """Compute Dashboard status levels, change levels and colors for every row of CA files."""
    from workbook import dashboard, data
    from workbook.files import write_csv

    frame = data.load_outcomes(paths)
    frame = frame[frame["state"] == "CA"]
    levels = dashboard.compute_levels(frame)
    out = frame[["org_id", "org_level", "student_group", "indicator", "year"]].copy()
    out.columns = ["cds", "rtype", "studentgroup", "indicator", "year"]
    out["rtype"] = out["rtype"].map({"state": "X", "district": "D", "school": "S"})
    out["statuslevel"] = levels["status_level"]
    out["changelevel"] = levels["change_level"]
    out["color"] = levels["color"]
    out = out[["cds", "rtype", "studentgroup", "indicator", "year", "statuslevel",
               "changelevel", "color"]]
    write_csv(out, output)
    typer.echo(f"wrote {len(out)} rows to {output}", err=True)
    for row in dashboard.unverified():
        typer.echo(f"note: not verified against CDE's published tables: {row}", err=True)


@plan_app.command("export")
def plan_export(
    district: Annotated[str, typer.Argument(help="District (organisation) id.")],
    output: Annotated[Path, typer.Option("-o", "--output", help=".yaml or .xlsx file")],
    database: Database = None,
) -> None:
    """Write a district's whole plan to YAML (for editing and review) or Excel (Tool A)."""
    from workbook.store import Store

    doc = Store(database).document(district)
    if not doc.all():
        raise WorkbookError(f"no plan stored for {district!r}; stored: {Store(database).orgs()}")
    if output.suffix.lower() == ".xlsx":
        from workbook.exchange.excel import export_plan

        export_plan(doc, output)
    else:
        from workbook.exchange.yamlfile import export_yaml

        export_yaml(doc, output)
    typer.echo(f"wrote {len(doc.all())} records to {output}", err=True)


@plan_app.command("import")
def plan_import(
    path: Annotated[Path, typer.Argument(help="A plan YAML file written by `plan export`.")],
    database: Database = None,
    user: User = "",
) -> None:
    """Validate a plan file and apply it; on any problem nothing changes (exit 1)."""
    from workbook.exchange.yamlfile import PlanFileError, read_yaml
    from workbook.store import Store, apply_document

    try:
        doc, exported_at = read_yaml(path)
    except PlanFileError as err:
        for line in err.problems:
            typer.echo(line)
        raise typer.Exit(1) from None
    counts = apply_document(Store(database), doc, user=user or _default_user(),
                            exported_at=exported_at)
    typer.echo(", ".join(f"{v} {k}" for k, v in counts.items()), err=True)


@plan_app.command("import-status")
def plan_import_status(
    district: Annotated[str, typer.Argument(help="District (organisation) id.")],
    path: Annotated[Path, typer.Argument(help="The plan workbook (.xlsx) with the Action "
                                              "status sheet filled in.")],
    database: Database = None,
    user: User = "",
) -> None:
    """Import the monthly action status typed into the Excel export; all rows or none."""
    from workbook.exchange.status_sheet import ActionStatusError, import_action_status
    from workbook.store import Store

    store = Store(database)
    doc = store.document(district)
    try:
        updates = import_action_status(path, doc)
    except ActionStatusError as err:
        for line in err.problems:
            typer.echo(line)
        raise typer.Exit(1) from None
    store.save_all(updates, user=user or _default_user())
    typer.echo(f"saved {len(updates)} status update(s) for {district}", err=True)


@plan_app.command("findings")
def plan_findings(district: str, database: Database = None) -> None:
    """List the coach's plan-quality findings for a district."""
    from workbook.records.document import findings
    from workbook.store import Store

    for f in findings(Store(database).document(district)):
        typer.echo(f"{f.stage}: {f}")


@app.command("report")
def report(
    notebook: Annotated[Path, typer.Argument(help="An executed workbook (.ipynb).")],
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="HTML file; default: beside it")] = None,
) -> None:
    """Write the stakeholder HTML report of an executed workbook (no code, offline charts)."""
    from workbook.report.page import write_report

    out = write_report(notebook, output or notebook.with_suffix(".html"))
    typer.echo(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB)", err=True)


@app.command("run")
def run(
    region: Annotated[str, typer.Argument(help="Region name under parameters/regions, or a "
                                                "manifest path.")],
    only: Annotated[list[str] | None, typer.Option("--only", help="Only these districts.")]
    = None,
    limit: Annotated[int | None, typer.Option(help="At most this many districts.")] = None,
    workers: Annotated[int, typer.Option(help="Warm kernels run in parallel.")] = 2,
    resume: Annotated[bool, typer.Option("--resume", help="Only what is missing or out of "
                                                          "date.")] = False,
    executor: Annotated[str, typer.Option(help="local or dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://host:8786")]
    = None,
    outputs: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).")]
    = None,
    database: Database = None,
) -> None:
    """Run the region's workbooks for every district; exit 1 if any failed."""
    from tqdm import tqdm

    from workbook.run import batch

    bar = tqdm(unit="notebook", desc=region, file=sys.stderr, dynamic_ncols=True)
    counts = {"done": 0, "failed": 0, "skipped": 0}

    def progress(got: list) -> None:
        for o in got:
            counts[o.status] += 1
        bar.update(len(got))
        bar.set_postfix(counts)

    result = batch.run(region, only=only or (), limit=limit, workers=workers, resume=resume,
                       executor=executor, scheduler=scheduler, out_root=outputs,
                       database_url=database or "", progress=progress)
    bar.close()
    folder = (outputs or _outputs()) / result.region
    typer.echo(f"{counts['done']} done, {counts['skipped']} up to date, {counts['failed']} "
               f"failed in {result.seconds:.1f}s; open {folder / 'index.html'}")
    if result.failed:
        typer.echo("failures:", err=True)
        for o in result.failed:
            typer.echo(f"  {o.district_id} {o.notebook}: {o.error}", err=True)
        raise typer.Exit(1)


def _outputs() -> Path:
    from workbook import paths

    return paths.outputs()


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8866,
    no_token: Annotated[bool, typer.Option("--no-token", help="No token (loopback only).")]
    = False,
    database: Database = None,
    pool_size: Annotated[int, typer.Option(
        help="Kernels kept running ahead of requests, per app (0: none; pages open slower).")]
    = 1,
    audience: Annotated[str, typer.Option(
        help="stakeholder hides small groups of students; team shows every count (only "
             "for a server the district's own staff alone can reach).")] = "stakeholder",
) -> None:
    """Serve the click-through apps (Voila) for liaisons and district teams."""
    from workbook.apps import serve as serving

    serving.serve(host=host, port=port, token=not no_token, database_url=database or "",
                  pool_size=pool_size, audience=audience)


@app.command("demo")
def demo(
    workers: Annotated[int, typer.Option(help="Warm kernels run in parallel.")] = 2,
    database: Database = None,
) -> None:
    """The main job on the bundled sample region: check the data, load the illustrative
    plans into the store, and write every district's four reports."""
    from workbook import paths
    from workbook.data import sample_sources
    from workbook.run import batch, context
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    sources = sample_sources()
    typer.echo(f"1/3 checking the sample region's {len(sources)} state files ...")
    start = time.perf_counter()
    from workbook import data

    problems = data.check(sources)
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        raise typer.Exit(1)
    outcomes = context.region_outcomes("sample")
    typer.echo(f"    no problems; {len(outcomes)} outcome rows cached "
               f"({time.perf_counter() - start:.1f}s)")
    store = Store(database)
    added = sample_plans.load_into(store, outcomes)
    typer.echo(f"2/3 plan store {store.url}: {added} illustrative sample plans added, "
               f"{len(store.orgs())} districts in all")
    typer.echo("3/3 running the four workbooks for every sample district ...")
    counts = {"done": 0, "failed": 0, "skipped": 0}

    def progress(got: list) -> None:
        for o in got:
            counts[o.status] += 1

    result = batch.run("sample", workers=workers, resume=True, database_url=database or "",
                       progress=progress)
    folder = paths.outputs() / "sample"
    typer.echo(f"    {counts['done']} written, {counts['skipped']} already up to date, "
               f"{counts['failed']} failed in {result.seconds:.1f}s")
    for o in result.failed:
        typer.echo(f"    failed: {o.district_id} {o.notebook}: {o.error}", err=True)
    typer.echo(f"Open {folder / 'index.html'}")
    if result.failed:
        raise typer.Exit(1)


def main() -> None:
    """Entry point: a WorkbookError becomes a one-line message and exit code 2."""
    try:
        app()
    except WorkbookError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
