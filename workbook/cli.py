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
store_app = typer.Typer(help="The plan store itself: backups of the SQLite file.",
                        no_args_is_help=True)
app.add_typer(store_app, name="store")

Database = Annotated[str | None, typer.Option(
    "--database", envvar="WORKBOOK_DATABASE_URL",
    help="SQLAlchemy URL; default: the SQLite file outputs/workbook.db")]
User = Annotated[str, typer.Option("--user", help="Who is making the change (recorded).")]


def _default_user() -> str:
    import getpass
    import os

    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()

Paths = Annotated[list[Path], typer.Argument(help="Files or folders of state data files.")]


Indicator = Annotated[str | None, typer.Option(
    "--indicator", help="The indicator the files hold (GRAD, ELA, CHRO ...), where their "
    "content cannot tell; it overrides the content.")]
Year = Annotated[int | None, typer.Option(
    "--year", help="The Dashboard year the files hold (2018 = 2017-18), where their content "
    "cannot tell; it overrides the content.")]


def _hints(paths: list[Path], indicator: str | None, year: int | None):
    """The same hint for every path given, after checking the indicator is one we know."""
    from workbook import data

    if indicator is not None:
        indicator = indicator.strip().upper()
        if indicator not in data.INDICATORS:
            typer.echo(f"error: --indicator {indicator!r} is not an indicator we know; known: "
                       f"{', '.join(sorted(data.INDICATORS))}", err=True)
            raise typer.Exit(1)
    if year is not None and not 1990 <= year <= 2100:
        typer.echo(f"error: --year {year} is not a Dashboard year (1990-2100)", err=True)
        raise typer.Exit(1)
    hint = data.Hint(indicator, year)
    return {p: hint for p in paths} if hint else None


@data_app.command("check")
def data_check(paths: Paths, indicator: Indicator = None, year: Year = None) -> None:
    """Check state files; print one `file:row:column: message` line per problem.

    Files are recognised by what they hold (a renamed CDE download is read like the
    original); where the content cannot tell the indicator or year, say it with
    --indicator / --year. Exits 1 if any problem was found, 0 if none.
    """
    from workbook import data

    hints = _hints(paths, indicator, year)
    problems = data.check(paths, hints)
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
    indicator: Indicator = None,
    year: Year = None,
) -> None:
    """Compute Dashboard status levels, change levels and colors for every row of CA files."""
    from workbook import dashboard, data
    from workbook.files import write_csv

    try:
        frame = data.load_outcomes(paths, _hints(paths, indicator, year))
    except data.DataError as err:
        for problem in err.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
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
    quarter: Annotated[int | None, typer.Option(
        help="Excel: the quarter (1-4) of the quarterly report sheet; default the one today "
             "falls in (the plan's last quarter once its milestones end).")] = None,
    plan_year: Annotated[int | None, typer.Option(
        help="Excel: the plan year (1-5) of --quarter; default 1.")] = None,
) -> None:
    """Write a district's whole plan to YAML (for editing and review) or Excel (Tool A).

    The YAML starts with the district, the record count and a checksum, and ends with an
    `end_of_plan` line, so that `plan import` can refuse a partial copy.
    """
    from workbook.store import Store

    store = Store(database)
    try:
        doc = store.document(district)
        stored = [] if doc.all() else store.orgs()
    finally:
        store.engine.dispose()  # no connections left open for in-process callers
    if not doc.all():
        typer.echo(f"error: no plan stored for {district!r}; stored: {stored}", err=True)
        raise typer.Exit(1)
    try:
        if output.suffix.lower() == ".xlsx":
            from workbook.exchange.excel import export_plan

            export_plan(doc, output, quarter=quarter, plan_year=plan_year)
        else:
            from workbook.exchange.yamlfile import export_yaml

            export_yaml(doc, output)
    except OSError as err:
        typer.echo(f"error: {output}: cannot write: {err.strerror or err}", err=True)
        raise typer.Exit(1) from None
    except WorkbookError as err:
        typer.echo(f"error: {output}: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {len(doc.all())} records to {output}", err=True)


@plan_app.command("import")
def plan_import(
    path: Annotated[Path, typer.Argument(help="A plan YAML file written by `plan export`.")],
    database: Database = None,
    user: User = "",
    prune: Annotated[bool, typer.Option(
        "--prune", help="Delete stored records the file does not have (else they are kept "
                        "and listed).")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Say what would be added, changed, deleted and conflicting; "
                          "change nothing.")] = False,
    mine: Annotated[bool, typer.Option(
        "--mine", help="Conflicts: the file's copy wins (overwrites the store's).")] = False,
    theirs: Annotated[bool, typer.Option(
        "--theirs", help="Conflicts: the store's copy wins (the file's is skipped).")] = False,
) -> None:
    """Check a plan file and apply it; on any problem nothing changes (exit 1).

    Records the file lacks are listed and kept unless --prune. A record changed in the
    store after the export is a conflict: the import names it and changes nothing, unless
    --mine or --theirs says whose copy wins.
    """
    from workbook.exchange.yamlfile import PlanFileError, district_warning, outcome, read_plan
    from workbook.store import ImportConflicts, Store, apply_document

    if mine and theirs:
        typer.echo("error: --mine and --theirs: choose one", err=True)
        raise typer.Exit(2)
    try:
        plan = read_plan(path)
    except PlanFileError as err:
        for line in err.problems:
            typer.echo(line)
        raise typer.Exit(1) from None
    for line in plan.warnings:
        typer.echo(line, err=True)
    store = Store(database)
    try:
        note = district_warning(plan, store.orgs())
        if note:
            typer.echo(note, err=True)
        changes = apply_document(store, plan.doc, user=user or _default_user(),
                                 exported_at=plan.exported_at, prune=prune, dry_run=dry_run,
                                 resolve="mine" if mine else "theirs" if theirs else None)
    except ImportConflicts as err:
        for line in outcome(plan, err.changes, dry_run=False, only_blocking=True)[0]:
            typer.echo(line)
        typer.echo(f"{len(err.changes.blocking)} conflict(s); nothing was imported. Run again "
                   "with --theirs to keep the store's copies or --mine to overwrite them with "
                   "the file's (add --dry-run to see what either does)", err=True)
        raise typer.Exit(1) from None
    except WorkbookError as err:
        typer.echo(f"error: {path}: {err}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.engine.dispose()  # no connections left open for in-process callers
    lines, summary = outcome(plan, changes, dry_run=dry_run)
    for line in lines:
        typer.echo(line)
    typer.echo(summary, err=True)
    if changes.blocking:  # a dry run whose import would stop
        typer.echo("the import would stop at the conflicts: add --theirs to keep the store's "
                   "copies or --mine to overwrite them with the file's", err=True)
        raise typer.Exit(1)


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
    from workbook.records.base import check_user
    from workbook.store import Store

    store = Store(database)
    try:
        name = check_user(user or _default_user())
        doc = store.document(district)
        if not doc.all():
            raise WorkbookError(f"no plan stored for {district!r}; export it, fill in the "
                                "Action status sheet and import that")
        updates = import_action_status(path, doc)
        store.save_all(updates, user=name)
    except ActionStatusError as err:
        for line in err.problems:
            typer.echo(line)
        raise typer.Exit(1) from None
    except WorkbookError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.engine.dispose()  # no connections left open for in-process callers
    typer.echo(f"saved {len(updates)} status update(s) for {district}", err=True)


@plan_app.command("findings")
def plan_findings(district: str, database: Database = None) -> None:
    """List the coach's plan-quality findings for a district."""
    from workbook.records.document import findings
    from workbook.store import Store

    for f in findings(Store(database).document(district)):
        typer.echo(f"{f.stage}: {f}")


@app.command("identify")
def identify(
    region: Annotated[str, typer.Argument(help="Region name under parameters/regions, or a "
                                                "manifest path.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV file to write.")],
    year: Annotated[int | None, typer.Option(help="Dashboard year (default: the region's).")]
    = None,
) -> None:
    """Which LEAs the state's rules identify for differentiated assistance, and why.

    Writes one row per LEA and student group that met the criteria in at least one
    priority area (cds, lea_name, student_group, priorities, da_eligible, reasons; da_eligible
    is the LEA's: Y, N, or ? when the loaded results cannot decide it), and prints each
    LEA's computed status beside the state's published one where a list for the year is
    loaded. Exits 1 on bad input, writing nothing.
    """
    from workbook import data
    from workbook.data import cache
    from workbook.files import write_csv
    from workbook.identification import tables
    from workbook.run import batch, regions

    try:
        manifest = regions.load(region)
        the_year = year or manifest.year
        sources = manifest.source_paths()
        outcomes = cache.read_all(cache.cached(sources))
        lists = cache.read_lists(cache.cached_lists(sources))
        ident = tables.identify_with_prior(outcomes, the_year, lists)
    except data.DataError as err:
        for problem in err.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
    except WorkbookError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    districts = {d for d, _ in batch.district_ids(manifest, outcomes)}
    leas = ident.leas[ident.leas["org_id"].isin(districts) | (
        (ident.leas["lea_type"] == "charter")
        & ident.leas["org_id"].str[:7].isin({d[:7] for d in districts}))]
    table = tables.output_table(ident)
    table = table[table["cds"].isin(set(leas["org_id"]))]
    try:
        write_csv(table, output)
    except OSError as err:
        typer.echo(f"error: {output}: cannot write the CSV: {err.strerror}", err=True)
        raise typer.Exit(1) from None
    side = tables.compare(ident, lists).set_index("org_id")
    for lea in leas.itertuples(index=False):
        row = side.loc[lea.org_id]
        line = f"{lea.org_id} {lea.org_name}: computed {lea.status or 'not determined'}"
        if row["published"]:
            line += f"; published {row['published_status']} — " + (
                "agree" if row["agree"] else f"differ: {row['differences']}")
        typer.echo(line)
    published = side.loc[side.index.isin(set(leas["org_id"])) & side["published"]]
    eligible = int(leas["eligible"].fillna(False).sum())
    typer.echo(f"wrote {len(table)} rows ({len(leas)} LEAs, {eligible} eligible for "
               f"differentiated assistance in {the_year}) to {output}; "
               f"{int(published['agree'].sum())} of {len(published)} agree with the state's "
               "published list", err=True)
    for note in ident.notes + ident.rules.unverified():
        typer.echo(f"note: {note}", err=True)


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
    language: Annotated[str | None, typer.Option(
        "--language", help="Languages of the reports, e.g. en,es: an edition "
        "<notebook>.<lang>.html per language besides English (default: the manifest's "
        "languages:, else en).")] = None,
) -> None:
    """Run the region's workbooks for every district; exit 1 if any failed."""
    from tqdm import tqdm

    from workbook.run import batch, regions

    languages = None
    if language is not None:
        try:
            languages = regions.check_languages([c.strip() for c in language.split(",")
                                                 if c.strip()])
        except ValueError as problem:
            raise _error(f"--language {language!r}: {problem}") from None

    bar = tqdm(unit="notebook", desc=region, file=sys.stderr, dynamic_ncols=True)
    counts = {"done": 0, "failed": 0, "skipped": 0}

    def progress(got: list) -> None:
        for o in got:
            counts[o.status] += 1
        bar.update(len(got))
        bar.set_postfix(counts)

    result = batch.run(region, only=only or (), limit=limit, workers=workers, resume=resume,
                       executor=executor, scheduler=scheduler, out_root=outputs,
                       database_url=database or "", progress=progress, languages=languages)
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
    = 2,
    max_kernels: Annotated[int | None, typer.Option(
        "--max-kernels", help="Pages served at once; one more is asked to retry shortly "
                              "(default: what the machine's free memory allows).")] = None,
    audience: Annotated[str, typer.Option(
        help="stakeholder hides small groups of students; team shows every count (only "
             "for a server the district's own staff alone can reach).")] = "stakeholder",
    auth: Annotated[str | None, typer.Option(
        "--auth", help="users: sign in with the store's users (the default when it has "
                       "any); proxy: trust a single sign-on proxy's user header; token: one "
                       "shared token, for one person (the default without users).")] = None,
    proxy_header: Annotated[str, typer.Option(
        "--proxy-header", help="With --auth proxy: the header naming the signed-in user.")]
    = "X-Forwarded-User",
    trusted_proxy: Annotated[list[str] | None, typer.Option(
        "--trusted-proxy", help="With --auth proxy: an address of the proxy (repeat for "
                                "several); the header is ignored from anywhere else.")] = None,
) -> None:
    """Serve the click-through apps (Voila) for liaisons and district teams."""
    from workbook.apps import serve as serving

    serving.serve(host=host, port=port, token=not no_token, database_url=database or "",
                  pool_size=pool_size, audience=audience, max_kernels=max_kernels, auth=auth,
                  proxy_header=proxy_header,
                  trusted_proxies=tuple(trusted_proxy or ("127.0.0.1", "::1")))


# people and roles --------------------------------------------------------------------------
users_app = typer.Typer(help="People who sign in to `workbook serve`, and their roles.",
                        no_args_is_help=True)
app.add_typer(users_app, name="users")
Orgs = Annotated[list[str] | None, typer.Option(
    "--org", help="An organisation (district) id the role is for; repeat for several. An "
                  "admin's role covers every organisation: give none.")]
By = Annotated[str | None, typer.Option("--by", help="Who is making the change (recorded); "
                                                     "default: this account's name.")]
PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input (one line) instead of "
                             "asking for it.")]


def _password(stdin: bool) -> str:
    """The new password: from standard input, or asked twice without echo."""
    if stdin:
        line = sys.stdin.readline()
        if not line:
            raise _error("--password-stdin: standard input is empty; pipe the password in")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _error("no terminal to ask for the password; use --password-stdin")
    try:
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    except typer.Abort:
        raise _error("no password given; nothing changed") from None


def _users(database: str | None):
    from workbook.users import Users

    try:
        return Users.open(database)
    except WorkbookError as err:
        raise _error(str(err)) from None


def _by(by: str | None) -> str:
    return by or _default_user()


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The name the person signs in with (and every "
                                             "save records).")],
    role: Annotated[str, typer.Option("--role", help="viewer, liaison, team or admin.")],
    org: Orgs = None,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="No password: the person signs in only through the single "
                              "sign-on proxy (--auth proxy).")] = False,
    by: By = None,
    database: Database = None,
) -> None:
    """Add a person with a role (for the districts given with --org)."""
    from workbook.users.store import check_grant, check_name

    try:
        users = _users(database)
        users.require_new(check_name(name))  # before asking for the password
        check_grant(role, org or [])
        password = None if no_password else _password(password_stdin)
        user = users.add(name, role=role, orgs=org or [], password=password, by=_by(by))
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"added {user.name}: {user.access.describe()}")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument(help="Whose password to set.")],
    password_stdin: PasswordStdin = False,
    by: By = None,
    database: Database = None,
) -> None:
    """Set a new password (signs the person out everywhere)."""
    users = _users(database)
    try:
        users.require(name)  # before asking for the password
        users.passwd(name, _password(password_stdin), by=_by(by))
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"new password set for {name}; their open sessions end")


@users_app.command("list")
def users_list(database: Database = None) -> None:
    """Every person, their roles, and whether they may sign in."""
    rows = _users(database).all()
    if not rows:
        typer.echo("no users yet: add one with `workbook users add NAME --role admin`")
        return
    for u in rows:
        state = "disabled" if u.disabled else ("password" if u.password_hash else "sign-on only")
        typer.echo(f"{u.name}\t{state}\t{u.access.describe()}\tchanged "
                   f"{u.changed_at:%Y-%m-%d %H:%M} UTC")


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument()], by: By = None,
                  database: Database = None) -> None:
    """Stop a person signing in (kept, with their history; `enable` undoes it)."""
    try:
        _users(database).disable(name, by=_by(by))
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"{name} may no longer sign in")


@users_app.command("enable")
def users_enable(name: Annotated[str, typer.Argument()], by: By = None,
                 database: Database = None) -> None:
    """Let a disabled person sign in again."""
    try:
        _users(database).enable(name, by=_by(by))
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"{name} may sign in again")


@users_app.command("grant")
def users_grant(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option("--role", help="viewer, liaison, team or admin.")],
    org: Orgs = None,
    by: By = None,
    database: Database = None,
) -> None:
    """Give a role for districts (replacing the role held there before)."""
    try:
        user = _users(database).grant(name, role=role, orgs=org or [], by=_by(by))
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"{user.name}: {user.access.describe()}")


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument()],
    org: Orgs = None,
    by: By = None,
    database: Database = None,
) -> None:
    """End the roles held for districts ('*' for the admin role); kept in the history."""
    try:
        ended = _users(database).revoke(name, orgs=org or [], by=_by(by))
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"{name}: ended {'; '.join(ended)}")


@users_app.command("history")
def users_history(
    name: Annotated[str | None, typer.Argument(help="Only this person.")] = None,
    database: Database = None,
) -> None:
    """Every change to users and roles, oldest first (nothing is ever deleted)."""
    for c in _users(database).history(name):
        typer.echo(f"{c.changed_at:%Y-%m-%d %H:%M:%S} UTC\t{c.name}\t{c.change}\t{c.detail}"
                   f"\tby {c.changed_by}")


# Oregon: partnership tiers ---------------------------------------------------------------------
oregon_app = typer.Typer(help="Oregon's system of support: partnership tiers from CSI/TSI "
                              "school designations.", no_args_is_help=True)
app.add_typer(oregon_app, name="oregon")


@oregon_app.command("tiers")
def oregon_tiers(
    designations: Annotated[Path | None, typer.Option(
        "--designations", help="The CSI/TSI school designation CSV (columns district_id, "
        "school_id, school_name, designation); default: the one the region's manifest "
        "names.")] = None,
    region: Annotated[str, typer.Option(
        "--region", help="An Oregon region (name under parameters/regions, or a manifest "
        "path): its districts, and its data for each district's school count.")]
    = "oregon-lbl",
) -> None:
    """Each district's partnership tier (primary, or opportunity and innovation), why, and
    the cut-offs it was judged against (parameters/states/or/continuum.yaml, cited). Exits
    1 on a bad file, one line per problem (file:line:column: what is wrong)."""
    from workbook import data
    from workbook.data import cache
    from workbook.identification import oregon
    from workbook.run import batch, regions

    try:
        manifest = regions.load(region)
        if manifest.state != "OR":
            raise _error(f"region {manifest.name!r} is in {manifest.state}, not Oregon; give "
                         "an Oregon region with --region")
        path = designations or oregon.region_designations(manifest)
        if path is None:
            raise _error("no designation file: give --designations FILE.csv (columns "
                         "district_id, school_id, school_name, designation) or name one in "
                         "the region's manifest (districts: designations:)")
        frame, problems = oregon.read_designations(path)
        if problems:
            for problem in problems[:20]:
                typer.echo(f"error: {problem}", err=True)
            if len(problems) > 20:
                typer.echo(f"error: {path}: {len(problems) - 20} more problems", err=True)
            raise typer.Exit(1)
        outcomes = cache.read_all(cache.cached(manifest.source_paths()))
        districts = batch.district_ids(manifest, outcomes)
        tiers = oregon.partnership_tiers(frame, outcomes).set_index("district_id")
        rule = oregon.continuum().partnership
    except data.DataError as err:
        for problem in err.problems[:20]:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
    except WorkbookError as err:
        raise _error(str(err).splitlines()[0]) from None
    ids = {d for d, _ in districts}
    for did, name in districts:
        t = tiers.loc[did] if did in tiers.index else None
        tier, why = (t["tier"], t["reason"]) if t is not None else (
            "none", "no CSI or TSI school in the designation file")
        typer.echo(f"{did}\t{name}\t{tier}\t{why}")
    outside = sorted(set(frame["district_id"]) - ids)
    if outside:
        typer.echo(f"note: the designation file names districts outside {manifest.name}: "
                   f"{', '.join(outside[:20])}", err=True)
    typer.echo(f"cut-offs: primary at {rule.primary_min_schools} or more CSI/TSI schools and "
               f"{rule.primary_min_share:g}% or more of the district's schools; any other "
               "district with a CSI or TSI school: opportunity and innovation. Source: "
               f"{rule.source} ({'verified' if rule.verified else 'not verified against ODE'})"
               ". The cut-offs live in parameters/states/or/continuum.yaml.")


@app.command("demo")
def demo(
    workers: Annotated[int, typer.Option(help="Warm kernels run in parallel.")] = 2,
    database: Database = None,
) -> None:
    """The main job on the bundled sample regions (Monterey County, California; Linn Benton
    Lincoln ESD, Oregon): check the data, load the illustrative plans into the store, and
    write every district's four reports."""
    import datetime as dt

    from workbook import data, paths
    from workbook.data import sample_sources
    from workbook.run import batch, context, regions
    from workbook.samples import oregon as oregon_plans
    from workbook.samples import plans as sample_plans
    from workbook.store import Store

    store = Store(database)
    failed = False
    for name in DEMO_REGIONS:
        region = regions.load(name)
        sources = sample_sources() if name == "sample" else region.source_paths()
        typer.echo(f"{region.title}\n1/3 checking the region's {len(sources)} state files ...")
        start = time.perf_counter()
        problems = data.check(sources)
        if problems:
            for problem in problems:
                typer.echo(str(problem))
            raise typer.Exit(1)
        outcomes = context.region_outcomes(name)
        typer.echo(f"    no problems; {len(outcomes)} outcome rows cached "
                   f"({time.perf_counter() - start:.1f}s)")
        if region.state == "OR":
            ids = [d for d, _ in batch.district_ids(region, outcomes)]
            esd = getattr(region.districts, "esd", None) or "the ESD"
            added = oregon_plans.load_into(store, outcomes, ids, year=region.year,
                                           start=dt.date.fromisoformat(region.plan_start),
                                           esd=esd)
        else:
            added = sample_plans.load_into(store, outcomes)
        typer.echo(f"2/3 plan store {store.url}: {added} illustrative sample plans added, "
                   f"{len(store.orgs())} districts in all")
        typer.echo("3/3 running the district workbooks (each language) and the network view ...")
        counts = {"done": 0, "failed": 0, "skipped": 0}

        def progress(got: list, counts: dict = counts) -> None:
            for o in got:
                counts[o.status] += 1

        result = batch.run(name, workers=workers, resume=True, database_url=database or "",
                           progress=progress)
        folder = paths.outputs() / region.name
        failures = len(result.failed)  # the region's audit may withhold what was written
        typer.echo(f"    {counts['done'] - (failures - counts['failed'])} written, "
                   f"{counts['skipped']} already up to date, {failures} failed or withheld "
                   f"in {result.seconds:.1f}s")
        for o in result.failed:
            typer.echo(f"    failed: {o.district_id} {o.notebook}: {o.error}", err=True)
        typer.echo(f"Open {folder / 'index.html'}")
        failed = failed or bool(result.failed)
    if failed:
        raise typer.Exit(1)


#: The bundled sample regions `workbook demo` runs, in order (parameters/regions/<name>.yaml).
DEMO_REGIONS = ("sample", "oregon-lbl")


# history, restores and backups ---------------------------------------------------------------
def _error(message: str, code: int = 1) -> typer.Exit:
    """Print one `error:` line; raise what this returns (1: bad input, 2: usage)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _moment(text: str, what: str, *, end_of_day: bool = False):  # -> dt.datetime
    from workbook.store.history import moment

    try:
        return moment(text, end_of_day=end_of_day)
    except ValueError as err:
        raise _error(f"{what}: {err}", 2) from None


def _value(value: object) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


@plan_app.command("history")
def plan_history(
    district: Annotated[str, typer.Argument(help="District (organisation) id.")],
    record: Annotated[str | None, typer.Option("--record", help="Only this record id.")]
    = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only changes from this date (YYYY-MM-DD, UTC) or time on.")] = None,
    database: Database = None,
) -> None:
    """Who changed what in a district's plan: one line per change (when, who, what, why),
    then one line per field it changed (before -> after)."""
    from workbook.store import Store
    from workbook.store.history import MIGRATION_TXN

    start = _moment(since, "--since") if since else None
    store = Store(database)
    changes = store.history(district, record_id=record, since=start)
    if not changes:
        if store.history_begins(district) is None:
            raise _error(f"no plan history for {district!r}; districts in the store: "
                         f"{', '.join(store.orgs()) or 'none'}")
        if record and not store.history(district, record_id=record):
            raise _error(f"no record {record!r} in the history of {district!r}")
        typer.echo(f"no changes since {since}", err=True)
        return
    for c in changes:
        line = (f"{c.at:%Y-%m-%d %H:%M:%S} UTC  {c.by}  {c.change} {c.label()} ({c.record_id})"
                f"{' at' if c.change == 'deleted' else ', now'} version {c.version}")
        if c.txn == MIGRATION_TXN:
            line += " (as stored when history began)"
        typer.echo(line + (f"; reason: {c.reason}" if c.reason else ""))
        for name, before, after in c.diff:
            typer.echo(f"    {name}: {_value(after)}" if c.first
                       else f"    {name}: {_value(before)} -> {_value(after)}")


@plan_app.command("restore")
def plan_restore(
    district: Annotated[str, typer.Argument(help="District (organisation) id.")],
    record: Annotated[str | None, typer.Option("--record", help="The record's id.")] = None,
    version: Annotated[int | None, typer.Option(
        "--version", help="Bring back this version of --record (as a new version).")] = None,
    deleted: Annotated[bool, typer.Option(
        "--deleted", help="Bring back deleted records (with --record: that one and its "
                          "parts deleted with it; else all, or those deleted --since).")]
    = False,
    since: Annotated[str | None, typer.Option(
        "--since", help="With --deleted: records deleted from this date (YYYY-MM-DD, UTC) "
                        "or time on.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept in history).")]
    = None,
    database: Database = None,
    user: User = "",
) -> None:
    """Bring back an earlier version of a record, or deleted records; the restore is a new
    version in the history, so it can be undone the same way. Nothing changes on any
    problem (exit 1)."""
    from workbook.store import Store

    if deleted == (version is not None):
        raise _error("give either --record ID --version N, or --deleted", 2)
    if version is not None and record is None:
        raise _error("--version needs --record ID", 2)
    if since and not deleted:
        raise _error("--since goes with --deleted", 2)
    start = _moment(since, "--since") if since else None
    store = Store(database)
    who = user or _default_user()
    try:
        if version is not None and record is not None:
            if not store.history(district, record_id=record):
                raise WorkbookError(f"no record {record!r} in the history of {district!r}")
            back = [store.restore_version(record, version, user=who, reason=reason)]
            typer.echo(f"restored version {version} of {back[0].label()} ({record}) as "
                       f"version {back[0].version}")
            return
        back = store.restore_deleted(district, user=who, record_id=record, since=start,
                                     reason=reason)
    except WorkbookError as err:
        raise _error(str(err)) from None
    for r in back:
        typer.echo(f"restored {r.label()} ({r.id}), now version {r.version}")
    typer.echo(f"{len(back)} record(s) restored in {district}", err=True)


@plan_app.command("as-of")
def plan_as_of(
    district: Annotated[str, typer.Argument(help="District (organisation) id.")],
    when: Annotated[str, typer.Argument(
        metavar="DATE", help="YYYY-MM-DD (the plan at the end of that day, UTC) or an ISO "
                             "date and time.")],
    output: Annotated[Path, typer.Option("-o", "--output", help=".yaml or .xlsx file")],
    database: Database = None,
) -> None:
    """Write a district's plan as it stood at a date, from the store's history."""
    from workbook.files import write_text
    from workbook.store import Store

    moment = _moment(when, "DATE", end_of_day=True)
    store = Store(database)
    doc = store.as_of(district, moment)
    if not doc.all():
        begins = store.history_begins(district)
        if begins is None:
            raise _error(f"no plan history for {district!r}; districts in the store: "
                         f"{', '.join(store.orgs()) or 'none'}")
        raise _error(f"{district}'s plan held no records at {moment:%Y-%m-%d %H:%M:%S} UTC; "
                     f"its history begins {begins:%Y-%m-%d %H:%M:%S} UTC")
    if output.suffix.lower() == ".xlsx":
        from workbook.exchange.excel import export_plan

        export_plan(doc, output)
    else:
        from workbook.exchange.yamlfile import to_yaml

        write_text(output, to_yaml(doc, exported_at=moment))
    typer.echo(f"wrote {len(doc.all())} records of {district}'s plan as of "
               f"{moment:%Y-%m-%d %H:%M:%S} UTC to {output}", err=True)


@store_app.command("backup")
def store_backup(
    path: Annotated[Path, typer.Argument(help="The backup file to write.")],
    database: Database = None,
) -> None:
    """Copy the SQLite store to one file, safely while it is in use (SQLite's online
    backup). For PostgreSQL use pg_dump (README: Backups)."""
    from workbook.store import backup

    try:
        info = backup(path, database)
    except WorkbookError as err:
        raise _error(str(err)) from None
    newest = info["newest"]
    typer.echo(f"backed up {info['records']} records and {info['history']} history rows to "
               f"{path}" + (f"; newest change {newest[0]:%Y-%m-%d %H:%M:%S} UTC by "
                            f"{newest[1]}" if newest else ""))


@store_app.command("restore")
def store_restore(
    path: Annotated[Path, typer.Argument(help="A backup written by `store backup`.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a store that has changes newer than the backup (it is "
                        "copied aside first).")] = False,
    database: Database = None,
) -> None:
    """Replace the SQLite store with a backup; refuses when the store has newer changes,
    unless --force."""
    from workbook.store import restore_backup

    try:
        info = restore_backup(path, database, force=force)
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"restored {info['records']} records and {info['history']} history rows from "
               f"{path} into {info['path']}")
    if info["kept"]:
        typer.echo(f"the store as it was before is kept in {info['kept']}", err=True)


# languages: the gettext catalogs --------------------------------------------------------------
i18n_app = typer.Typer(help="Languages of the reports and apps: gettext catalogs (Babel).",
                       no_args_is_help=True)
app.add_typer(i18n_app, name="i18n")


@i18n_app.command("extract")
def i18n_extract() -> None:
    """Write workbook/i18n/locale/workbook.pot from the code's _() and the notebooks' text."""
    from workbook.i18n import catalogs

    try:
        path = catalogs.write_template()
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"wrote {path}")


@i18n_app.command("update")
def i18n_update() -> None:
    """Merge the template into every language's .po (new messages left to translate)."""
    from workbook.i18n import catalogs

    try:
        paths = catalogs.update()
    except WorkbookError as err:
        raise _error(str(err)) from None
    for path in paths:
        typer.echo(f"updated {path}")


@i18n_app.command("init")
def i18n_init(code: Annotated[str, typer.Argument(help="Language code: fr, vi, zh_Hant ...")]
              ) -> None:
    """Start a new language: a .po with every message, to translate."""
    from workbook.i18n import catalogs

    try:
        path = catalogs.init(code)
    except WorkbookError as err:
        raise _error(str(err)) from None
    typer.echo(f"wrote {path}; translate it, then run `workbook i18n check`")


@i18n_app.command("check")
def i18n_check() -> None:
    """Exit 1 listing every message without a translation or with other placeholders."""
    from workbook.i18n import catalogs

    try:
        problems = catalogs.check()
    except WorkbookError as err:
        raise _error(str(err)) from None
    for problem in problems[:200]:
        typer.echo(str(problem), err=True)
    if problems:
        more = " (first 200 listed)" if len(problems) > 200 else ""
        typer.echo(f"{len(problems)} catalog problems{more}", err=True)
        raise typer.Exit(1)
    typer.echo(f"catalogs complete: {', '.join(catalogs.codes()) or 'none'}")


def main() -> None:
    """Entry point: a WorkbookError becomes a one-line message and exit code 2."""
    try:
        app()
    except WorkbookError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
