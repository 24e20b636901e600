"""Queue operations on 1,000 and 10,000 drafts in one queue, on SQLite (file, WAL) and PostgreSQL 15.

``python -m bench.queue_ops [--runs 5] [--quick]`` runs just this benchmark through :mod:`bench.run_all`
(same as ``python -m bench.run_all --only queue_ops --runs 5``), so its section lands in
``bench/results.json`` and ``bench/README.md`` like the others.

Every run starts from a fresh, migrated database and calls the store services the HTTP routes call, in the
order a user would: ``QueueService.add_assets`` in requests of the pro plan's ``items_per_add`` (100)
until the queue holds N drafts, ``list_drafts``, ``bulk_patch`` of all ids, ``reorder`` (reversed,
one call), ``run`` (all drafts queued, one call), then ``TaskService.stage_tabs`` (limit 100, the API
default, and 1000, the maximum) and ``PipelineState.launchable(now, 50)`` (what the dispatch sensor asks
for each tick). Adding 1,000 drafts in one request (the limit raised to 1,000) is measured on its own
fresh database, as the last 1,000 of the N drafts. Wall time (``perf_counter``) and this process's CPU
time are taken around each call. The target is "each 1,000-item queue op <= 150 ms": item-proportional ops
are compared per 1,000 items, ``stage_tabs`` and ``launchable`` (bounded by their limit) per call. After
the timed runs, one more run per backend and size counts the SQL statements of each op (a
``before_cursor_execute`` hook) and profiles it with cProfile, to show where the time goes; the timed runs
carry no instrumentation.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import shutil
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine.interfaces import ExecuteStyle

from bench.common import BenchOptions, Section, fmt, fmt_range, median, table
from media_pipeline.settings import DEFAULT_PLANS, PlanLimits, Settings
from media_pipeline.store import Owner, PipelineState, QueueService, TaskService, make_engine, upgrade_db
from media_pipeline_tests.pgserver import PgServer, PostgresUnavailable, pg_server

OWNER = Owner(user_id="bench", workspace_id="bench")
SIZES = (1_000, 10_000)
QUICK_SIZES = (1_000,)
BACKENDS = ("sqlite", "postgresql")
BACKEND_LABELS = {"sqlite": "SQLite (file, WAL)", "postgresql": "PostgreSQL 15"}
BACKEND_SHORT = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BATCH = DEFAULT_PLANS["pro"].items_per_add  # the app's per-request limit on the pro plan (100)
ONE_CALL = 1_000
PATCH = {"imageCount": 4, "music": True}
LAUNCH_LIMIT = 50
TABS_LIMIT, TABS_MAX = 100, 1000
WARMUP_SIZE = 20
TARGET_MS = 150.0
DEFAULT_RUNS = 5


@dataclass(frozen=True)
class Op:
    """One measured operation; ``items(size)`` is the item count it is normalized by (None: per call)."""

    key: str
    short: str
    label: str
    items: Callable[[int], int | None]


OPS = (
    Op("add", "add", f"add, {BATCH} per call (all N drafts)", lambda size: size),
    Op(
        "add_one_call",
        f"add ×{ONE_CALL:,}",
        f"add {ONE_CALL:,} in one call (the last {ONE_CALL:,})",
        lambda _: ONE_CALL,
    ),
    Op("list", "list", "list drafts", lambda size: size),
    Op("patch", "bulk patch", "bulk patch (all ids, one call)", lambda size: size),
    Op("reorder", "reorder", "reorder (reversed, one call)", lambda size: size),
    Op("run", "run", "run (all drafts → queued, one call)", lambda size: size),
    Op("tabs", f"tabs ({TABS_LIMIT})", f"stage tabs (limit {TABS_LIMIT}, after run)", lambda _: None),
    Op("tabs_max", f"tabs ({TABS_MAX})", f"stage tabs (limit {TABS_MAX}, after run)", lambda _: None),
    Op("launchable", "launchable", f"launchable(now, {LAUNCH_LIMIT})", lambda _: None),
)
OPS_BY_KEY = {op.key: op for op in OPS}


# -- measuring ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def statement_kind(sql: str) -> str:
    """``INSERT tasks``, ``UPDATE task_stage_states``, ``SELECT tasks`` (first FROM table), ``BEGIN``, ..."""
    words = sql.replace("(", " ").replace(")", " ").replace('"', "").split()
    if not words:
        return "?"
    verb = words[0].upper()
    upper = [word.upper() for word in words]
    if verb == "SELECT":
        return f"SELECT {words[upper.index('FROM') + 1]}" if "FROM" in upper[:-1] else "SELECT"
    if verb in ("INSERT", "DELETE") and len(words) > 2:
        return f"{verb} {words[2]}"
    if verb == "UPDATE" and len(words) > 1:
        return f"UPDATE {words[1]}"
    return verb


@dataclass
class OpRecord:
    """Totals of one operation in one run (several calls for the batched add)."""

    ms: float = 0.0
    cpu_ms: float = 0.0
    calls: int = 0
    call_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ms": round(self.ms, 2),
            "cpu_ms": round(self.cpu_ms, 2),
            "calls": self.calls,
            "call_ms_median": round(median(self.call_ms) or 0.0, 2),
        }


class Meter:
    """Times service calls per operation. With ``instrument``, also counts their SQL statements and
    profiles them (only in the extra profiled run, so the timed runs carry no instrumentation)."""

    def __init__(self, engine: Engine, *, instrument: bool = False) -> None:
        self.records: dict[str, OpRecord] = {}
        self.kinds: dict[str, Counter[str]] = {}
        self.many_rows: dict[str, Counter[str]] = {}
        self.profiles: dict[str, cProfile.Profile] = {}
        self._instrument = instrument
        self._current: tuple[Counter[str], Counter[str]] | None = None
        if instrument:
            event.listen(engine, "before_cursor_execute", self._on_statement)

    def _on_statement(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        """Count the statement (a multi-row INSERT batch counts once); a DB-API ``executemany`` also adds
        its row count, since the drivers send it row by row (psycopg2: one round trip per row)."""
        if self._current is not None:
            kinds, many_rows = self._current
            kind = statement_kind(statement)
            kinds[kind] += 1
            if executemany and getattr(context, "execute_style", None) is ExecuteStyle.EXECUTEMANY:
                many_rows[kind] += len(parameters)

    def __call__(self, key: str, call: Callable[[], Any]) -> Any:
        record = self.records.setdefault(key, OpRecord())
        profiler = None
        if self._instrument:
            profiler = self.profiles.setdefault(key, cProfile.Profile())
            self._current = (self.kinds.setdefault(key, Counter()), self.many_rows.setdefault(key, Counter()))
        gc.collect()
        cpu_start, start = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            result = call()
        finally:
            if profiler is not None:
                profiler.disable()
            wall_ms = (time.perf_counter() - start) * 1000
            cpu_ms = (time.process_time() - cpu_start) * 1000
            self._current = None
        record.ms += wall_ms
        record.cpu_ms += cpu_ms
        record.calls += 1
        record.call_ms.append(wall_ms)
        return result


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(f"queue_ops: {message}")


def _settings(size: int, add_limit: int, work_dir: Path) -> Settings:
    limits = PlanLimits(drafts_per_queue=size, items_per_add=add_limit, runs_per_day=max(size, 1))
    return Settings(plans={"bench": limits}, default_plan="bench", data_dir=work_dir / "data")


def _assets(count: int, start: int = 0) -> list[str]:
    return [f"asset-{index:06d}" for index in range(start, start + count)]


def measure_queue(engine: Engine, size: int, meter: Meter, work_dir: Path) -> None:
    """Fill one queue with ``size`` drafts ``BATCH`` at a time and run every queue operation once."""
    settings = _settings(size, BATCH, work_dir)
    queue = QueueService(engine, OWNER, settings=settings)
    version = queue.get_or_create_default_queue().version
    assets = _assets(size)
    created = 0
    for start in range(0, size, BATCH):
        added = meter("add", partial(queue.add_assets, assets[start : start + BATCH], None, version))
        version, created = added.version, created + len(added.created_ids)
    _check(created == size, f"added {created} drafts, expected {size}")
    listed = meter("list", queue.list_drafts)
    ids = [task.id for task in listed.tasks]
    _check(len(ids) == size and listed.version == version, "list_drafts returned the wrong drafts")
    patched = meter("patch", lambda: queue.bulk_patch(ids, PATCH, version))
    _check(len(patched.tasks) == size and patched.tasks[0].settings["imageCount"] == 4, "bulk_patch")
    reordered = meter("reorder", lambda: queue.reorder(ids[::-1], patched.version))
    _check(reordered.tasks[0].id == ids[-1], "reorder did not reverse the drafts")
    ran = meter("run", lambda: queue.run(reordered.version))
    _check(len(ran.queued) == size and ran.queued[0].id == ids[-1], "run did not queue every draft in order")
    tasks = TaskService(engine, OWNER, settings=settings)
    tabs = meter("tabs", lambda: tasks.stage_tabs(TABS_LIMIT))
    _check(len(tabs.stages["script"].waiting) == min(TABS_LIMIT, size), "stage_tabs (limit 100)")
    tabs = meter("tabs_max", lambda: tasks.stage_tabs(TABS_MAX))
    _check(len(tabs.stages["script"].waiting) == min(TABS_MAX, size), "stage_tabs (limit 1000)")
    state = PipelineState(engine)
    launch = meter("launchable", lambda: state.launchable(datetime.now(UTC), LAUNCH_LIMIT))
    _check(len(launch) == min(LAUNCH_LIMIT, size) and launch[0].task_id == ids[-1], "launchable")


def measure_one_call_add(engine: Engine, size: int, meter: Meter, work_dir: Path) -> None:
    """With the per-request limit raised to 1,000: pre-fill ``size`` - 1,000 drafts, then time one add of
    the last 1,000."""
    queue = QueueService(engine, OWNER, settings=_settings(size, ONE_CALL, work_dir))
    version = queue.get_or_create_default_queue().version
    for start in range(0, size - ONE_CALL, ONE_CALL):
        version = queue.add_assets(_assets(ONE_CALL, start), None, version).version
    added = meter("add_one_call", lambda: queue.add_assets(_assets(ONE_CALL, size - ONE_CALL), None, version))
    _check(len(added.created_ids) == ONE_CALL, "one-call add")


# -- databases ---------------------------------------------------------------------------------------------


class Databases:
    """Fresh, migrated databases of one backend (``fresh()`` yields an engine, removes the DB after)."""

    def __init__(self, backend: str, work_dir: Path, server: PgServer | None = None) -> None:
        self.backend = backend
        self.work_dir = work_dir
        self.server = server

    @contextmanager
    def fresh(self) -> Iterator[Engine]:
        name = f"queue_ops_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            self.work_dir.mkdir(parents=True, exist_ok=True)
            path = self.work_dir / f"{name}.db"
            url = f"sqlite:///{path}"
        else:
            assert self.server is not None
            url = self.server.create_database(name)
        engine = make_engine(url)
        try:
            upgrade_db(engine)
            yield engine
        finally:
            engine.dispose()
            if self.backend == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            else:
                assert self.server is not None
                self.server.drop_database(name)


def measure_run(databases: Databases, size: int, *, instrument: bool = False) -> tuple[dict[str, Any], Meter]:
    """One run of every operation at ``size`` drafts (two fresh databases); records keyed by op."""
    records: dict[str, Any] = {}
    meters = []
    for measure in (measure_queue, measure_one_call_add):
        with databases.fresh() as engine:
            meter = Meter(engine, instrument=instrument)
            measure(engine, size, meter, databases.work_dir)
            meters.append(meter)
            records.update({key: record.as_dict() for key, record in meter.records.items()})
    merged = meters[0]
    merged.kinds.update(meters[1].kinds)
    merged.many_rows.update(meters[1].many_rows)
    merged.profiles.update(meters[1].profiles)
    return records, merged


# -- profiles ----------------------------------------------------------------------------------------------

OTHER = "stdlib + other"
CATEGORIES = ("DB driver + server", "SQLAlchemy", "pydantic", "json", "media_pipeline", OTHER)


def _category(filename: str, function: str) -> str:
    if filename == "~":
        if "sqlite3" in function or "psycopg2" in function:
            return "DB driver + server"
        if "pydantic" in function:
            return "pydantic"
        if "json" in function:
            return "json"
        return OTHER
    for marker, category in (
        ("/sqlalchemy/", "SQLAlchemy"),
        ("/pydantic", "pydantic"),
        ("/json/", "json"),
        ("/media_pipeline/", "media_pipeline"),
    ):
        if marker in filename:
            return category
    return OTHER


def _function_name(filename: str, line: int, function: str) -> str:
    if filename == "~":
        return function.strip("<>{}")
    parts = Path(filename).parts
    return f"{'/'.join(parts[-2:])}:{line}({function})"


def summarize_profile(
    profiler: cProfile.Profile, kinds: Counter[str], many_rows: Counter[str], top: int = 3
) -> dict[str, Any]:
    """Share of profiled time per category, the functions with most own time and the statement kinds
    (with the rows sent through executemany per kind)."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    shares: Counter[str] = Counter()
    own: list[tuple[float, str]] = []
    for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        shares[_category(filename, function)] += tottime
        own.append((tottime, _function_name(filename, line, function)))
    total = sum(shares.values()) or 1.0
    own.sort(reverse=True)
    return {
        "profiled_s": round(total, 3),
        "shares": {category: round(shares[category] / total, 3) for category in CATEGORIES},
        "top": [{"function": name, "own_s": round(seconds, 3)} for seconds, name in own[:top]],
        "statements": dict(kinds.most_common()),
        "executemany_rows": dict(many_rows),
    }


# -- report ------------------------------------------------------------------------------------------------


def _op_ms(records: list[dict[str, Any]], key: str) -> list[float]:
    return [record[key]["ms"] for record in records]


def _basis_ms(op: Op, size: int, ms: float | None) -> float | None:
    """What the target is compared with: ms per 1,000 items, or per call."""
    items = op.items(size)
    if ms is None:
        return None
    return ms if items is None else ms * 1000 / items


def _verdicts(runs: dict[tuple[str, int], list[dict]]) -> dict[tuple[str, str, int], bool]:
    """(backend, op, size) -> target met, for everything measured."""
    verdicts = {}
    for (backend, size), records in runs.items():
        for op in OPS:
            basis = _basis_ms(op, size, median(_op_ms(records, op.key)))
            if basis is not None:
                verdicts[backend, op.key, size] = basis <= TARGET_MS
    return verdicts


def _ms(value: float | None) -> str:
    return fmt(value, 0 if (value or 0) >= 100 else 1)


def _statement_count(
    profiles: dict[tuple[str, int], dict[str, Any]], backend: str, size: int, key: str
) -> int | None:
    profile = profiles.get((backend, size), {}).get(key)
    return None if profile is None else sum(profile["statements"].values())


def _backend_table(
    backend: str,
    runs: dict[tuple[str, int], list[dict]],
    profiles: dict[tuple[str, int], dict[str, Any]],
    sizes: tuple[int, ...],
) -> str:
    headers = ["operation"]
    for size in sizes:
        per = ["per 1,000 ms"] if size != ONE_CALL else []
        headers += [f"{size:,} drafts: wall ms", *per, "client CPU ms", "SQL stmts"]
    headers.append(f"target ≤ {TARGET_MS:g} ms / 1,000")
    rows = []
    for op in OPS:
        row = [op.label]
        verdicts = []
        for size in sizes:
            records = runs[backend, size]
            values = _op_ms(records, op.key)
            mid = median(values)
            row.append(fmt_range(values, 0 if (mid or 0) >= 100 else 1))
            basis = _basis_ms(op, size, mid)
            if size != ONE_CALL:
                row.append(_ms(basis) if op.items(size) else "(per call)")
            row.append(_ms(median(record[op.key]["cpu_ms"] for record in records)))
            statements = _statement_count(profiles, backend, size, op.key)
            row.append("–" if statements is None else f"{statements:,}")
            met = basis is not None and basis <= TARGET_MS
            verdicts.append(f"{size // 1000}k: {'met' if met else '**MISSED**'}")
        rows.append([*row, ", ".join(verdicts)])
    return table(headers, rows)


def _statements_text(profile: dict[str, Any], top: int = 4) -> str:
    """``UPDATE tasks ×1 (executemany, 1,000 rows), SELECT tasks ×2`` for the most frequent kinds."""
    parts = []
    for kind, count in list(profile["statements"].items())[:top]:
        rows = profile["executemany_rows"].get(kind)
        parts.append(f"{kind} ×{count:,}" + (f" (executemany, {rows:,} rows)" if rows else ""))
    return ", ".join(parts)


def _share_text(shares: dict[str, float]) -> str:
    parts = [f"{category} {share:.0%}" for category, share in shares.items() if share >= 0.05]
    return ", ".join(parts)


def _diagnosis(op: Op, profile: dict[str, Any], size: int, record: dict[str, Any]) -> str:
    """Automatic reading of one profile: per-row statements, driver-bound or Python-bound."""
    notes = []
    statements = sum(profile["statements"].values())
    items = op.items(size)
    if items and statements >= items:
        notes.append(f"≈ {statements / items:.1f} SQL statements per item (per-row statements: N+1)")
    shares = profile["shares"]
    driver = shares["DB driver + server"]
    python = 1 - driver
    if python >= 0.6:
        notes.append(f"{python:.0%} of profiled time is client-side Python, {driver:.0%} in the DB driver")
    else:
        notes.append(f"{driver:.0%} of profiled time is in the DB driver (executing SQL, server round trips)")
    wall, cpu = record["ms"], record["cpu_ms"]
    if wall > 0 and cpu / wall < 0.7:
        notes.append(
            f"client CPU {cpu:.0f} ms of {wall:.0f} ms wall (the rest: server or waiting for a core)"
        )
    return "; ".join(notes)


def _profile_table(
    profiles: dict[tuple[str, int], dict[str, Any]],
    verdicts: dict[tuple[str, str, int], bool],
    runs: dict[tuple[str, int], list[dict]],
) -> str:
    rows = []
    for op in OPS:
        for (backend, size), by_op in profiles.items():
            if verdicts.get((backend, op.key, size), True) or op.key not in by_op:
                continue
            larger = [s for (b, s) in profiles if b == backend and s > size]
            if larger and not verdicts.get((backend, op.key, max(larger)), True):
                continue  # shown at the larger size
            profile = by_op[op.key]
            statements = _statements_text(profile)
            top = "; ".join(f"`{entry['function']}` {entry['own_s']:.2f} s" for entry in profile["top"])
            records = [run[op.key] for run in runs[backend, size]]
            record = {
                "ms": median(r["ms"] for r in records),
                "cpu_ms": median(r["cpu_ms"] for r in records),
            }
            rows.append(
                [
                    op.label,
                    f"{BACKEND_LABELS[backend]}, {size:,}",
                    statements,
                    _share_text(profile["shares"]),
                    top,
                    _diagnosis(op, profile, size, record),
                ]
            )
    if not rows:
        return "Every operation met the target."
    headers = ["missed op", "where", "SQL statements (most frequent)", "profiled own time", "top own time",
               "reading"]  # fmt: skip
    return table(headers, rows)


def _markdown(
    runs: dict[tuple[str, int], list[dict]],
    profiles: dict[tuple[str, int], dict[str, Any]],
    skipped: dict[str, str],
    sizes: tuple[int, ...],
    options: BenchOptions,
    load: dict[str, list[float]],
) -> str:
    verdicts = _verdicts(runs)
    parts = [
        f"One queue of N drafts (N = {', '.join(f'{s:,}' for s in sizes)}), service calls as the HTTP routes "
        f"make them, a fresh migrated database per run; median [min–max] of {options.runs} run(s), ms. "
        f"`add` is the total of N/{BATCH} requests of {BATCH} (the app's per-request limit); ops that scale "
        f"with the drafts are compared with the target per 1,000 items, `stage_tabs`/`launchable` (bounded "
        f"by their limit) per call. Shared 2-core machine: other benchmarks and test runs may have been "
        f"running (load average {load['start']} at start, {load['end']} at the end), so wall times are "
        f"upper bounds.",
    ]
    for backend in BACKENDS:
        if backend in skipped:
            parts.append(f"**{BACKEND_LABELS[backend]}**: not measured ({skipped[backend]}).")
        else:
            parts.append(f"**{BACKEND_LABELS[backend]}**\n\n{_backend_table(backend, runs, profiles, sizes)}")
    met = sum(verdicts.values())
    missed = []
    for op in OPS:
        where = [
            f"{BACKEND_SHORT[backend]} "
            + ", ".join(
                f"{size // 1000}k" for size in sizes if verdicts.get((backend, op.key, size)) is False
            )
            for backend in BACKENDS
            if any(verdicts.get((backend, op.key, size)) is False for size in sizes)
        ]
        if where:
            missed.append(f"{op.short} ({'; '.join(where)})")
    parts.append(
        f"Target: each 1,000-item queue op ≤ {TARGET_MS:g} ms — met in {met} of {len(verdicts)} "
        f"(backend, op, size) cases; missed: {', '.join(missed) or 'none'}."
    )
    if profiles:
        parts.append(
            "Where the time goes in the missed ops (one extra run under cProfile per backend and size, shown "
            "at the largest size that misses; cProfile inflates Python-heavy code, so the Python shares are "
            "upper bounds; statement counts are exact):\n\n" + _profile_table(profiles, verdicts, runs)
        )
    return "\n\n".join(parts)


# -- entry points ------------------------------------------------------------------------------------------


@contextmanager
def _backends(work_dir: Path) -> Iterator[tuple[dict[str, Databases], dict[str, str]]]:
    """Databases per available backend and the reasons of the skipped ones; stops the server after."""
    skipped: dict[str, str] = {}
    with ExitStack() as stack:
        databases = {"sqlite": Databases("sqlite", work_dir / "sqlite")}
        if os.environ.get("MEDIA_PIPELINE_TEST_SKIP_PG") == "1":
            skipped["postgresql"] = "MEDIA_PIPELINE_TEST_SKIP_PG=1"
        else:
            try:
                server = stack.enter_context(pg_server())
                databases["postgresql"] = Databases("postgresql", work_dir / "postgresql", server)
            except PostgresUnavailable as exc:
                skipped["postgresql"] = str(exc).splitlines()[0]
        yield databases, skipped


def _warm_up(databases: Databases, work_dir: Path) -> None:
    """One tiny untimed pass: imports, pydantic schemas and connection set-up out of the first run."""
    with databases.fresh() as engine:
        measure_queue(engine, WARMUP_SIZE, Meter(engine), work_dir)


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """Measure every queue op ``options.runs`` times per backend and size, profile, store ``queue_ops``."""
    sizes = QUICK_SIZES if options.quick else SIZES
    work_dir = options.work_dir / "queue_ops"
    shutil.rmtree(work_dir, ignore_errors=True)
    load = {"start": [round(value, 2) for value in os.getloadavg()]}
    runs: dict[tuple[str, int], list[dict]] = {}
    profiles: dict[tuple[str, int], dict[str, Any]] = {}
    with _backends(work_dir) as (databases, skipped):
        for backend_dbs in databases.values():
            _warm_up(backend_dbs, work_dir)
        for run in range(options.runs):  # interleaved, so load on the shared machine spreads evenly
            for size in sizes:
                for backend, backend_dbs in databases.items():
                    started = time.perf_counter()
                    records, _meter = measure_run(backend_dbs, size)
                    runs.setdefault((backend, size), []).append(records)
                    print(
                        f"[queue_ops] run {run + 1}/{options.runs} {backend} {size:,}: "
                        + ", ".join(f"{key} {record['ms']:.0f}" for key, record in records.items())
                        + f" ms ({time.perf_counter() - started:.0f} s)",
                        flush=True,
                    )
        for size in sizes:
            for backend, backend_dbs in databases.items():
                _records, meter = measure_run(backend_dbs, size, instrument=True)
                profiles[backend, size] = {
                    key: summarize_profile(profiler, meter.kinds[key], meter.many_rows[key])
                    for key, profiler in meter.profiles.items()
                }
                print(f"[queue_ops] profiled {backend} {size:,}", flush=True)
    shutil.rmtree(work_dir, ignore_errors=True)
    load["end"] = [round(value, 2) for value in os.getloadavg()]
    results["queue_ops"] = Section(
        title="Queue operations: 1,000 and 10,000 drafts, SQLite and PostgreSQL",
        markdown=_markdown(runs, profiles, skipped, sizes, options, load),
        data={
            "sizes": list(sizes),
            "batch": BATCH,
            "target_ms_per_1000": TARGET_MS,
            "skipped": skipped,
            "load_average": load,
            "runs": {f"{backend}/{size}": records for (backend, size), records in runs.items()},
            "profiles": {f"{backend}/{size}": by_op for (backend, size), by_op in profiles.items()},
        },
    )


def cli(argv: list[str] | None = None) -> int:
    """``python -m bench.queue_ops``: this benchmark alone, through ``bench.run_all`` (README + JSON)."""
    parser = argparse.ArgumentParser(prog="python -m bench.queue_ops", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs per measurement (medians)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 run, 1,000 drafts only")
    args = parser.parse_args(argv)
    from bench import run_all

    return run_all.main(
        ["--only", "queue_ops", "--runs", str(args.runs), *(["--quick"] if args.quick else [])]
    )


if __name__ == "__main__":
    sys.exit(cli())
