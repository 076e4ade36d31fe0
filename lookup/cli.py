"""The ``lookup`` command: serve, check, batch, refresh, versions, rollback, change, doctor."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lookup.config import ConfigError, Settings
from lookup.errors import DataError, ServiceError
from lookup.i18n import DEFAULT_LANG, languages
from lookup.ingest.progress import Progress

if TYPE_CHECKING:
    from lookup.dataset.model import Dataset
    from lookup.dataset.publish import VersionInfo
    from lookup.ingest.origins import Origins

EXIT_FOUND, EXIT_NOT_FOUND, EXIT_BAD_INPUT, EXIT_DATA = 0, 1, 2, 3
EXIT_BUSY = 4  # refresh/rollback: another refresh holds the data folder
NOT_FOUND_CODES = {"address_not_found", "outside_jurisdiction", "address_ambiguous"}
DATA_CODES = {"dataset_unavailable", "geocoder_unavailable"}


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=getattr(args, "data_dir", None))


def _now(args: argparse.Namespace) -> datetime:
    """``--date`` (noon that day) or ``--at`` (local time), else the wall clock: read
    here, at the edge, and passed in."""
    from lookup.domain.schedule import LOCAL_TZ, parse_moment

    try:
        moment = parse_moment(getattr(args, "date", None), getattr(args, "at", None))
    except ServiceError as exc:
        print(f"lookup: {exc.detail} ({exc.details})", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    return moment or datetime.now(LOCAL_TZ)


def _dataset(args: argparse.Namespace) -> Dataset:
    from lookup.dataset.holder import DatasetHolder
    from lookup.dataset.location import resolve_data_dir

    settings = _settings(args)
    holder = DatasetHolder(resolve_data_dir(settings, _now(args)))
    return holder.load_now()


def cmd_serve(args: argparse.Namespace) -> int:
    from lookup.dataset.location import resolve_data_dir
    from lookup.serving import Server

    # Resolve (and, for the demo, build) the data folder before any worker exists.
    settings = Settings.from_env(data_dir=resolve_data_dir(_settings(args), _now(args)))
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "accesslog": "-" if args.access_log else None,
        "preload_app": not args.no_preload,
    }
    Server(settings, options).run()
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from lookup.changes.store import read_changes
    from lookup.dataset.location import resolve_data_dir
    from lookup.domain.changes import active_at
    from lookup.geocode.configured import configured_geocoders
    from lookup.outputs.api_json import Fragments, answer_json, error_json
    from lookup.outputs.text_answer import answer_text, error_text
    from lookup.service import AddressQuery, PointQuery, find_polling_place

    ds = _dataset(args)
    if args.address and (args.lat is not None or args.lon is not None):
        print("give an address or --lat/--lon, not both", file=sys.stderr)
        return EXIT_BAD_INPUT
    query: AddressQuery | PointQuery
    if args.lat is not None and args.lon is not None:
        query = PointQuery(lon=args.lon, lat=args.lat)
    elif args.address:
        query = AddressQuery(args.address)
    else:
        print("an address or --lat and --lon are required", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        remotes = configured_geocoders(_settings(args))
        now = _now(args)
        # The staff's changes on the day, as the service applies them (``changes.json``).
        stored = read_changes(resolve_data_dir(_settings(args), now))
        only = ds.counties[0] if len(ds.counties) == 1 else ""
        answer = find_polling_place(
            ds, query, now, remotes, only=args.open, changes=active_at(stored, now, only)
        )
    except ServiceError as exc:
        failure = error_json(exc, args.lang, ds.board, ds.demo)
        text = args.format == "text"
        print(error_text(failure, args.lang) if text else _pretty(failure))
        if exc.code in DATA_CODES:
            return EXIT_DATA
        return EXIT_NOT_FOUND if exc.code in NOT_FOUND_CODES else EXIT_BAD_INPUT
    body = answer_json(answer, ds.board, args.lang, Fragments(ds), schedule=True)
    print(answer_text(body, args.lang) if args.format == "text" else _pretty(body))
    return EXIT_FOUND


def _pretty(body: object) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


def cmd_doctor(args: argparse.Namespace) -> int:
    """One line per check before an election; exit 1 if any check FAILs."""
    from lookup.doctor import failed, run_checks

    findings = run_checks(_now(args), data_dir=args.data_dir)
    for finding in findings:
        print(finding.line())
    return 1 if failed(findings) else 0


def cmd_batch(args: argparse.Namespace) -> int:
    from lookup.batch.local import run_batch, summary

    progress = Progress.for_terminal(quiet=args.quiet)
    if args.engine == "dask" and args.jobs is not None:
        print(
            "lookup batch: --jobs is for the local engine (dask uses its workers)", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    if args.engine == "dask":
        # Imported here only: the service and the default engine never load Dask.
        from lookup.batch.cluster import PARTITION_ROWS, DaskOptions, load_live, run_batch_dask
        from lookup.dataset.location import resolve_data_dir

        now = _now(args)
        version_dir, ds = load_live(resolve_data_dir(_settings(args), now))
        options = DaskOptions(args.scheduler, args.partition_rows or PARTITION_ROWS)
        counts = run_batch_dask(version_dir, args.input, args.output, now, options, progress)
    elif args.scheduler is not None or args.partition_rows is not None:
        print("lookup batch: --scheduler and --partition-rows need --engine dask", file=sys.stderr)
        return EXIT_BAD_INPUT
    else:
        ds = _dataset(args)
        jobs = args.jobs or len(os.sched_getaffinity(0))
        counts = run_batch(ds, args.input, args.output, _now(args), progress, jobs=jobs)
    print(f"{args.output}: {summary(counts)}", file=sys.stderr)
    if ds.demo:
        print("DEMO DATA: a fictional county; these are not real polling places.", file=sys.stderr)
    return EXIT_FOUND


# What a refresh cannot run without: the flag, and where the sources file sets it.
_REQUIRED = (
    ("--data-dir", "data_dir", "[publish] data_dir"),
    ("--election-date", "election_date", "[election] date"),
    ("--precincts", "precincts", "[sources] precincts"),
    ("--polling-places", "polling_places", "[sources] polling_places"),
)


def cmd_refresh(args: argparse.Namespace) -> int:
    from lookup.dataset.lock import RefreshBusy, refresh_lock
    from lookup.ingest.config_file import SOURCE_LISTS, SourcesConfig, load_config
    from lookup.ingest.origins import Origins
    from lookup.ingest.refresh import RefreshRequest, refresh_locked, republish_locked

    cfg = load_config(args.config) if args.config else SourcesConfig()
    # Flags win over the file; lists given on the command line replace the file's.
    data_dir: Path | None = args.data_dir or cfg.data_dir
    day: date | None = args.election_date or cfg.election_date
    lists: dict[str, list[Path | str]] = {
        key: getattr(args, key) or list(getattr(cfg, key)) for key in SOURCE_LISTS
    }
    given = {"data_dir": data_dir, "election_date": day, **lists}
    refusal = _missing(given, args.config) or _absent(lists, args.config)
    if refusal or data_dir is None or day is None:
        print(f"lookup refresh: {refusal}", file=sys.stderr)
        return EXIT_BAD_INPUT
    cache = data_dir / "downloads"
    progress = Progress.for_terminal(quiet=args.quiet)
    now = datetime.now(UTC)  # the wall clock, read at the edge
    origins = Origins.of_cache(cache)  # cache file -> URL: every line printed names the URL

    def local(key: str) -> tuple[Path, ...]:
        return _local(lists[key], cache, progress, origins)

    def waiting(message: str) -> None:
        print(f"lookup refresh: {message}; waiting (--wait)", file=sys.stderr, flush=True)

    try:
        # Held over the downloads too: two runs never write the same cached file at once.
        with refresh_lock(data_dir, now, on_busy=waiting if args.wait else None):
            req = RefreshRequest(
                precincts=local("precincts"),
                polling_places=local("polling_places"),
                early_voting=local("early_voting"),
                addresses=local("addresses"),
                centerlines=local("centerlines"),
                places=local("places"),
                site_details=local("site_details"),
                county=args.county or cfg.county,
                election_day=day,
                election_name=args.election_name or cfg.election_name,
                data_dir=data_dir,
                demo=args.demo or cfg.demo,
                allow_shrink=args.allow_shrink,
                keep=args.keep or cfg.keep or 5,
                urls=dict(origins.urls),
            )
            run = republish_locked if args.republish else refresh_locked
            # The open reports from the front line, re-checked against the new version.
            reports = args.reports_db or Settings.from_env().reports_url
            report = run(req, now, progress, reports)
    except RefreshBusy as exc:
        print(f"lookup refresh: {exc} (try again later, or add --wait)", file=sys.stderr)
        return EXIT_BUSY
    except (DataError, OSError) as exc:  # as main() says it, with URLs for cache files
        print(f"lookup: {origins.shown(str(exc))}", file=sys.stderr)
        return EXIT_DATA
    print("\n".join(origins.shown(line) for line in report.lines()))
    return 0 if report.published or report.kept else 1


def _missing(given: Mapping[str, object], config: Path | None) -> str:
    """What a refresh needs and was not given, and where to give it ("" if nothing)."""
    missing = [(flag, key) for flag, name, key in _REQUIRED if not given[name]]
    if not missing:
        return ""
    flags = ", ".join(flag for flag, _ in missing)
    if config is None:
        return f"give {flags} (or --config FILE: see data/sources.toml)"
    return f"give {flags}, or set {', '.join(key for _, key in missing)} in {config}"


def _absent(lists: dict[str, list[Path | str]], config: Path | None) -> str:
    """A local file the sources file names that is not there ("" if none). Flags were
    checked as they were parsed; the file's paths are relative to its own folder."""
    for key, values in lists.items():
        for value in values:
            if isinstance(value, Path) and not value.exists():
                return (
                    f"{config}: [sources] {key} names {value}, which does not exist "
                    "(fix the path: relative paths start from the sources file's folder)"
                )
    return ""


def cmd_rollback(args: argparse.Namespace) -> int:
    from lookup.dataset.lock import RefreshBusy
    from lookup.ingest.refresh import rollback

    try:
        name = rollback(args.data_dir, datetime.now(UTC), to=args.to)
    except RefreshBusy as exc:
        print(f"lookup rollback: {exc} (try again when it has finished)", file=sys.stderr)
        return EXIT_BUSY
    print(f"live again: {name}")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from lookup.dataset.publish import version_history
    from lookup.ingest.origins import Origins

    kept = version_history(args.data_dir)
    if not kept:
        print(
            f"{args.data_dir}: no kept versions (check --data-dir: give the folder "
            "lookup refresh published into)",
            file=sys.stderr,
        )
        return EXIT_DATA
    origins = Origins.of_cache(args.data_dir / "downloads")  # sources by URL, not cache name
    for v in kept:
        print(origins.shown(version_line(v)))
    return 0


def version_line(v: VersionInfo) -> str:
    """One kept version: marker, name, date, election, counts, sources."""
    mark = "live  " if v.live else "before" if v.live_before else "      "
    c = v.counts
    counts = (
        f"{c['precincts']} precincts, {c['polling_places']} polling places, "
        f"{c['early_voting_sites']} early-voting sites, {c['addresses']} addresses"
    )
    created = v.created[:19].replace("T", " ") or "?"
    return f"{mark} {v.name}  {created}  {v.election}  {counts}  [{', '.join(v.sources)}]"


def cmd_export_vip(args: argparse.Namespace) -> int:
    from lookup.outputs.vip import export_vip

    ds = _dataset(args)
    try:
        counts = export_vip(ds, args.out_dir, datetime.now(UTC), args.election_date)
    except (ValueError, FileExistsError) as exc:
        print(f"lookup export-vip: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    rows = ", ".join(f"{name} {n}" for name, n in counts.items())
    print(f"{args.out_dir}: VIP 5.2 CSV feed of {ds.version} ({rows})")
    if ds.demo:
        print("DEMO DATA: a fictional county; not for the national feed.", file=sys.stderr)
    return EXIT_FOUND


def cmd_insights(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from sqlalchemy.exc import SQLAlchemyError

    from lookup.domain.schedule import LOCAL_TZ
    from lookup.insights.counters import Store
    from lookup.insights.report import build

    settings = Settings.from_env()
    end = args.end or datetime.now(LOCAL_TZ).date()  # the wall clock, read at the edge
    start = args.start or end - timedelta(days=29)
    if start > end:
        print("lookup insights: --from is after --to", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = Store(settings.insights_url)
    try:
        report = build(store, start, end, settings.insights_min_count)
    except SQLAlchemyError as exc:  # the type only: its text may quote stored values
        print(f"lookup insights: store unavailable ({type(exc).__name__})", file=sys.stderr)
        return EXIT_DATA
    finally:
        store.close()
    if args.csv is None:
        print(report.text(staff=args.staff))
        return EXIT_FOUND
    for path in report.write_csv(args.csv, staff=args.staff):
        print(path)
    return EXIT_FOUND


def cmd_change(args: argparse.Namespace) -> int:
    """``lookup change add|list|withdraw``: the store ``POST /admin/changes`` writes, for
    staff on the server; every worker applies what it writes within seconds."""
    from lookup.changes.post import listing, post_change
    from lookup.changes.store import read_changes, withdraw_change
    from lookup.dataset.location import resolve_data_dir
    from lookup.domain.changes import ChangeRefused

    now = _now(args)
    data_dir = resolve_data_dir(_settings(args), now)
    if args.action == "list":
        changes = read_changes(data_dir)
        if args.active_now:
            changes = tuple(c for c in changes if c.holds(now))
        print(json.dumps({"changes": listing(changes, now)}, indent=2, ensure_ascii=False))
        return EXIT_FOUND
    if args.action == "withdraw":
        gone = withdraw_change(data_dir, args.id)
        if gone is None:
            print(f"lookup change: no change {args.id!r} in {data_dir}", file=sys.stderr)
            return EXIT_NOT_FOUND
        print(f"withdrawn: {gone.id}")
        return EXIT_FOUND
    text = sys.stdin.read() if str(args.json) == "-" else Path(args.json).read_text()
    try:
        doc = json.loads(text)
    except ValueError as exc:
        print(f"lookup change: {args.json}: not JSON ({exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        change = post_change(data_dir, doc, _dataset(args), now)
    except ChangeRefused as exc:
        print(f"lookup change: refused: {exc.field}: {exc} ({exc.reason})", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps({"id": change.id, "change": change.to_json()}, indent=2, ensure_ascii=False))
    return EXIT_FOUND


def cmd_affected(args: argparse.Namespace) -> int:
    """Who is sent to a place (``--site``), or where a precinct's voters go (``--precinct``):
    a table on stdout, the same rows as CSV with ``--csv``. Counts of address points only."""
    from lookup.affected import affected_by_site, affected_in_precinct
    from lookup.outputs.affected import to_csv, to_text

    ds = _dataset(args)
    now = _now(args)
    try:
        if args.site is not None:
            result = affected_by_site(ds, args.site, now, args.county or "")
        else:
            result = affected_in_precinct(ds, args.precinct, now, args.county or "")
    except ServiceError as exc:  # an unknown id, an empty or ambiguous one: one line
        extra = "; ".join(
            f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in exc.details.items()
            if k != "parameter"
        )
        print(f"lookup affected: {exc.detail}" + (f" ({extra})" if extra else ""), file=sys.stderr)
        return EXIT_BAD_INPUT
    print(to_text(result, ds.demo))
    if args.csv is not None:
        args.csv.write_text(to_csv(result), encoding="utf-8", newline="")
        print(f"{args.csv}: {len(result.rows)} rows", file=sys.stderr)
    return EXIT_FOUND


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return n


def _existing(value: str) -> Path:
    p = Path(value)
    if not p.exists():
        raise argparse.ArgumentTypeError(f"{value}: no such file")
    return p


def _source(value: str) -> Path | str:
    """A refresh source: a local file, or an http(s) URL downloaded at refresh time."""
    from lookup.ingest.fetch import is_url

    return value if is_url(value) else _existing(value)


def _local(
    values: Sequence[Path | str] | None, cache: Path, progress: Progress, origins: Origins
) -> tuple[Path, ...]:
    """URLs brought into the download cache (unchanged files are not downloaded again);
    ``origins`` learns which cache file came from which URL."""
    from lookup.ingest.fetch import fetch

    out = []
    for v in values or ():
        if isinstance(v, Path):
            out.append(v)
            continue
        got = fetch(v, cache, progress=progress)
        state = f"downloaded {got.size:,} bytes" if got.downloaded else "unchanged (304)"
        print(f"{v}: {state}")
        origins.add(got.path, v)
        out.append(got.path)
    return tuple(out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lookup", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", type=Path, help="published data folder (default: demo county)")
        p.add_argument("--date", help="answer as of noon this day (YYYY-MM-DD)")
        p.add_argument("--at", help="answer as of this local time (YYYY-MM-DDTHH:MM)")

    p = sub.add_parser("serve", help="serve the API and pages with gunicorn")
    p.add_argument("--data-dir", type=Path, help="published data folder (default: demo county)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1; behind a proxy keep loopback)",
    )
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    p.add_argument(
        "--workers", type=_positive, default=2, help="gunicorn worker processes (default: 2)"
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="also gunicorn's access log (the JSON request log is always on)",
    )
    p.add_argument(
        "--no-preload",
        action="store_true",
        help="load the dataset in each worker instead of once in the master (no sharing)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("check", help="answer one address or point, print the JSON or text")
    data_opts(p)
    p.add_argument("address", nargs="?", default="", help="the address, as a caller says it")
    p.add_argument("--lat", type=float, help="latitude of a point (WGS84), with --lon")
    p.add_argument("--lon", type=float, help="longitude of a point (WGS84), with --lat")
    p.add_argument(
        "--lang",
        default=DEFAULT_LANG,
        choices=languages(),
        help=f"language of messages, notices and text (default: {DEFAULT_LANG})",
    )
    p.add_argument("--open", choices=("today", "now"), help="only early-voting sites open then")
    p.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: the API's answer (default); text: what a person reads",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("batch", help="answer a CSV of id,address or id,lat,lon")
    data_opts(p)
    p.add_argument("input", type=_existing, help="CSV of id,address or id,lat,lon")
    p.add_argument("output", type=Path, help="CSV to write, one row per input row")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="processes answering at once (default: one per core; the same output)",
    )
    p.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="dask: the same answers, partitioned over this machine's cores or a cluster",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: an existing cluster's scheduler, e.g. tcp://host:8786 "
        "(default: a local cluster, one process per core)",
    )
    p.add_argument(
        "--partition-rows",
        type=_positive,
        metavar="N",
        help="with --engine dask: rows per partition (default: 20000)",
    )
    p.set_defaults(func=cmd_batch)

    p = sub.add_parser("refresh", help="read, check and publish a new dataset version")
    p.add_argument("--config", type=_existing, help="a sources file (see data/sources.toml)")
    p.add_argument(
        "--precincts",
        type=_source,
        action="append",
        help="precinct boundaries (shapefile, its zip, or GeoJSON; file or URL); repeatable",
    )
    p.add_argument(
        "--polling-places",
        type=_source,
        action="append",
        help="NCSBE's polling-place file for the election (file or URL); repeatable",
    )
    p.add_argument(
        "--early-voting",
        type=_source,
        action="append",
        help="the one-stop (early-voting) sites and their hours (file or URL); repeatable",
    )
    p.add_argument(
        "--addresses",
        type=_source,
        action="append",
        help="address points, for offline geocoding (file or URL); repeatable",
    )
    p.add_argument(
        "--centerlines", type=_source, action="append", help="street segments with address ranges"
    )
    p.add_argument(
        "--places",
        type=_source,
        action="append",
        help="a place source: NCSBE pp*.kml / ossite*.kml, another election's polling-place "
        "file, a one-stop list, or a facility point layer (libraries, schools...); repeatable",
    )
    p.add_argument(
        "--site-details",
        type=_source,
        action="append",
        help="the county's CSV of entrances, parking, curbside, transit, notes, photo and "
        "phone per polling place or site (id or address; see README)",
    )
    p.add_argument(
        "--county", help="keep this county of statewide files; several: 'MECKLENBURG,UNION'"
    )
    p.add_argument("--election-date", type=_day, help="Election Day (YYYY-MM-DD)")
    p.add_argument("--election-name", help="the election's name, e.g. 'General Election'")
    p.add_argument("--data-dir", type=Path, help="the data folder to publish into")
    p.add_argument("--demo", action="store_true", help="mark the dataset as fictional demo data")
    p.add_argument(
        "--force",
        "--allow-shrink",
        dest="allow_shrink",
        action="store_true",
        help="publish even if counts fell sharply against the live version",
    )
    p.add_argument(
        "--keep",
        type=_positive,
        help="published versions kept (default 5; never the live one nor the one before it)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument(
        "--wait",
        action="store_true",
        help="if another refresh is publishing into the folder, wait for it instead of failing",
    )
    p.add_argument(
        "--republish",
        action="store_true",
        help="write a new version even if it equals the live one (load and fault tests)",
    )
    p.add_argument(
        "--reports-db",
        metavar="PATH_OR_URL",
        help="the service's reports from the front line, re-checked in the change report "
        "(default: LOOKUP_REPORTS_DB, else <cache dir>/reports.sqlite3)",
    )
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("export-vip", help="write the live dataset as a VIP 5.2 CSV feed")
    p.add_argument("--data-dir", type=Path, help="published data folder (default: demo county)")
    p.add_argument("--election-date", type=_day, help="default: the dataset's last election")
    p.add_argument("out_dir", type=Path, help="a new folder for the feed's CSV files")
    p.set_defaults(func=cmd_export_vip)

    p = sub.add_parser(
        "insights", help="what residents ask: the aggregate counts (LOOKUP_INSIGHTS_DB)"
    )
    p.add_argument("--from", dest="start", type=_day, help="first day (default: --to - 29 days)")
    p.add_argument("--to", dest="end", type=_day, help="last day (default: today)")
    p.add_argument("--csv", type=Path, help="write one CSV per table into this folder")
    p.add_argument(
        "--staff", action="store_true", help="also the staff-only unmatched streets (not public)"
    )
    p.set_defaults(func=cmd_insights)

    p = sub.add_parser("change", help="changes on the day: close a site, relocate, notices")
    acts = p.add_subparsers(dest="action", required=True)
    p = acts.add_parser("add", help="check a change against the live data and store it")
    data_opts(p)
    p.add_argument("--json", required=True, metavar="FILE", help="the change as JSON, - for stdin")
    p.set_defaults(func=cmd_change)
    p = acts.add_parser("list", help="the stored changes, with who posted them and when")
    data_opts(p)
    p.add_argument("--active-now", action="store_true", help="only those holding now (--at)")
    p.set_defaults(func=cmd_change)
    p = acts.add_parser("withdraw", help="remove a stored change")
    data_opts(p)
    p.add_argument("id", help="the change's id (see `lookup change list`)")
    p.set_defaults(func=cmd_change)

    p = sub.add_parser(
        "affected", help="the precincts sent to a site, and their address points (no names)"
    )
    data_opts(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--site", metavar="ID", help="an Election Day polling place or early-voting site"
    )
    which.add_argument("--precinct", metavar="ID", help="a precinct: its place and nearest sites")
    p.add_argument("--county", help="the county, where ids repeat across counties")
    p.add_argument("--csv", type=Path, metavar="FILE", help="also write the rows as CSV")
    p.set_defaults(func=cmd_affected)

    p = sub.add_parser("rollback", help="make an earlier version live again")
    p.add_argument("--data-dir", type=Path, required=True, help="the published data folder")
    p.add_argument(
        "--to",
        metavar="VERSION",
        help="a kept version (see `lookup versions`; default: the one live before the current)",
    )
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("versions", help="list the kept versions, which is live and which before")
    p.add_argument("--data-dir", type=Path, required=True, help="the published data folder")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser(
        "doctor", help="before an election: check settings, data, election, stores, proxy"
    )
    data_opts(p)
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"lookup: configuration: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (DataError, OSError) as exc:
        print(f"lookup: {exc}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":
    sys.exit(main())
