"""`make bench`: the benchmark suite, printed as one JSON report.

Order intake and lookup run in this process (bench/orders.py). The tracking benchmarks
run as `parcelops bench ...` in child processes, each on a new SQLite data directory of
its own (ingestion needs an empty database; the HTTP ones start their own server).

BENCH_ONLY picks some of them, e.g. `BENCH_ONLY=ingest,push make bench`. The default is
every one but `memory`, whose 10,000,000-event file takes about 40 minutes. `sweep` runs
at the issue's size, 1,000,000 parcels: about a minute, nearly all of it the untimed
set-up. The PostgreSQL figures come from `parcelops bench ingest` and `parcelops bench
sweep` with DATABASE_URL set (docs/benchmarks.md).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCHMARKS = ("orders", "ingest", "push", "track", "memory", "sweep")
DEFAULT = ("orders", "ingest", "push", "track", "sweep")


def chosen(value: str | None) -> list[str]:
    """The benchmarks BENCH_ONLY names, in the suite's order; SystemExit for a wrong name."""
    if not value:
        return list(DEFAULT)
    names = {name.strip() for name in value.split(",") if name.strip()}
    unknown = sorted(names - set(BENCHMARKS))
    if unknown:
        raise SystemExit(
            f"BENCH_ONLY: unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    return [name for name in BENCHMARKS if name in names]


def run_parcelops(*args: str) -> dict[str, Any]:
    """`parcelops bench ...` on a new SQLite data directory; its JSON report."""
    parcelops = str(Path(sys.executable).with_name("parcelops"))
    env = {**os.environ, "PARCELOPS_DATA_DIR": tempfile.mkdtemp(prefix="parcelops-bench-")}
    env.pop("DATABASE_URL", None)
    if args[0] in ("ingest", "sweep"):  # they need an empty migrated database
        subprocess.run([parcelops, "migrate", "-v0"], env=env, check=True)  # noqa: S603 (our own command)
    done = subprocess.run(  # noqa: S603 (our own command)
        [parcelops, "bench", *args], env=env, check=True, capture_output=True, text=True
    )
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def main() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in chosen(os.environ.get("BENCH_ONLY")):
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        if name == "orders":
            from bench import orders

            results["orders"] = orders.main()
        else:
            results[name] = run_parcelops(name)
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2, ensure_ascii=False))
