"""The `parcelops` command: serve, worker, demo, token, audit, keys, import/export, and
every other Django management command (`parcelops migrate`, `parcelops createsuperuser`)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from parcelops.core import startup

USAGE = """usage: parcelops COMMAND [options]

  serve [--port N] [--no-demo]   web console + API (gunicorn) and the Huey worker
  serve --no-demo --no-worker    a production web node: gunicorn only, never migrates
  worker                         the Huey worker alone (background and periodic tasks)
  migrate                        apply the database migrations (once per release, one machine)
  channels add CODE NAME         add a sales channel orders can come in on (channels list)
  demo [--orders N] [--seed S]   load realistic demo data
  token create USERNAME          print a new API token for USERNAME
  audit verify                   check the audit trail's hash chain and that the keys open the data
  keys generate [--data-key]     print a full set of production secrets (NAME=value) / one data key
  keys rotate                    re-encrypt customer data with the newest data key
  import-orders FILE             import orders from xlsx/csv (--dry-run, --preset, --mapping)
  export-orders -o FILE.xlsx     export orders to Excel
  import-events FILE             import carrier tracking events (csv, xlsx, jsonl; --mapping)
  import-bill FILE --carrier C --month 2026-11   a carrier's monthly bill (--mapping M, --replace)
  providers set-secret P SECRET  the signing secret of a push provider (kuaidi100, aftership, 17track)
  stock check                    on-hand = the sum of the moves? else name the SKU and bin
  sweep --once [--now ISO]       one run of the exception desk's clock (the worker runs it each minute)
  bench ingest --events N        the tracking ingestion benchmark (empty database; --workers W)
  bench push | track             HTTP pushes and customer lookups against a real server
  bench memory --events N        peak memory of import-events on a generated file
  bench sweep --shipments N      the exception desk's sweep over N parcels, 1 % due
  bench labels --orders N        one PDF of a wave's N labels (numbers, decrypt, render, audit)
  bench freight --lines N        importing an N-line carrier bill (100,000)
  bench picklist --orders N      a wave's pick list for N allocated orders (1,000: < 1 s)
  bench carrier-options --shipments N  carrier choice over a year of N parcels' history
  carriers refresh-scores        measure the carriers' lanes again (the worker does it nightly)
  any other Django command       migrate, createsuperuser, changepassword, shell, ...
"""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# Commands that read or write customer data open the key canary before they start
# (issue 17): a worker or an import with the wrong keys stops instead of writing.
CANARY_COMMANDS = {
    "run_huey",
    "import_orders",
    "export_orders",
    "import_events",
    "demo",
    "sweep",
    "keys",
    "providers",
    "shell",
}


def check_key_canary() -> None:
    """Exit with one line when the configured keys do not open the database's canary."""
    from parcelops.audit.canary import KeyMismatchError, check_canary_at_start

    try:
        check_canary_at_start()
    except KeyMismatchError as mismatch:
        raise SystemExit(f"parcelops: {mismatch}; refusing to start") from None


def checks_at_start(command: str, rest: list[str]) -> None:
    """The secrets this process needs, and the canary when the command touches customer
    data; for the CLI and manage.py alike. Printing new keys needs neither."""
    if command == "keys" and rest[:1] == ["generate"]:
        return
    startup.refuse_without_secrets()
    if command in CANARY_COMMANDS:
        _setup()
        check_key_canary()


def generate_keys(args: list[str]) -> int:
    """Print new secrets without reading the settings: the environment they are for may
    not exist yet."""
    if args == ["--data-key"]:
        print(startup.generate_secrets()["PARCELOPS_DATA_KEYS"])
        return 0
    if args:
        raise SystemExit("parcelops: usage: keys generate [--data-key]")
    for name, value in startup.generate_secrets().items():
        print(f"{name}={value}")
    return 0


def _option(args: list[str], name: str, default: str) -> str:
    if name in args:
        index = args.index(name)
        if index + 1 < len(args):
            return args[index + 1]
        raise SystemExit(f"parcelops: {name} needs a value")
    return default


def _print_banner(port: str) -> None:
    from django.conf import settings
    from django.contrib.auth.models import Group

    url = f"http://127.0.0.1:{port}"
    print(
        f"\nParcelOps is running: {url}/  (API docs: {url}/api/v1/docs, customers: {url}/track/order/)"
    )
    password_file = Path(settings.DATA_DIR) / "demo_password"
    if password_file.exists():
        roles = [
            g.name
            for g in Group.objects.order_by("name")
            if g.user_set.filter(username=g.name).exists()
        ]
        print(f"Demo logins (password: {password_file.read_text().strip()}): {', '.join(roles)}")
    print(f"Data directory: {settings.DATA_DIR}   Stop with Ctrl-C.\n", flush=True)


def gunicorn_command(host: str, port: str, env: Mapping[str, str]) -> list[str]:
    """The web server's command line. Sync workers, one request at a time each: threads
    or kept-alive connections cost more CPU per request on two cores, not less (the GIL,
    and connections stuck to one busy worker; docs/benchmarks.md)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        env.get("WEB_CONCURRENCY", "2"),
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        # gunicorn's control socket sits in $HOME, one path for every node on the machine
        # (and in a read-only home under systemd); nothing here uses it.
        "--no-control-socket",
        # Its error and access logs in the product's JSON lines (parcelops.core.logs).
        "--logger-class",
        "parcelops.core.logs.GunicornLogger",
    ]
    access_log = env.get("ACCESS_LOG", "-")
    if access_log:  # empty: no access log (one to /dev/null still formats every line)
        command += ["--access-logfile", access_log]
    return command


def migrates_at_start(database: Mapping[str, object]) -> bool:
    """Only the embedded default (one machine, SQLite) migrates when it starts. Nodes of a
    server database must not: several starting at once would race over the schema, and an
    old node still serving during an upgrade must not see it change under it. There the
    operator runs `parcelops migrate` once, before restarting the nodes."""
    return "sqlite" in str(database.get("ENGINE", ""))


def pending_migrations() -> list[str]:
    """The migrations the database still lacks, as ``app.name``."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _prepare_database(load_demo: bool) -> None:
    """Migrate (embedded default) or refuse to serve an unmigrated server database."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command

    if not migrates_at_start(settings.DATABASES["default"]):
        pending = pending_migrations()
        if pending:
            raise SystemExit(
                f"parcelops: the database lacks {len(pending)} migration(s)"
                f" ({', '.join(pending[:3])}{', ...' if len(pending) > 3 else ''}):"
                " run `parcelops migrate` once, from one machine, before starting the nodes"
            )
        return  # never the demo: a server database is a real shop's
    from parcelops.audit.canary import KeyMismatchError

    try:
        call_command("migrate", interactive=False, verbosity=0)  # seals a fresh canary
    except KeyMismatchError as mismatch:
        raise SystemExit(f"parcelops: {mismatch}") from None
    if load_demo and not User.objects.exists():
        print("First start: loading demo data ...", flush=True)
        call_command("demo")


def serve(args: list[str]) -> int:
    """Migrate and load the demo on the embedded default's first start, then run gunicorn
    and (unless --no-worker) the Huey consumer."""
    port = _option(args, "--port", os.environ.get("PORT", "8000"))
    if not port.isdigit():
        raise SystemExit(f"parcelops: --port must be a number, not {port!r}")
    host = os.environ.get("HOST", "127.0.0.1")
    startup.refuse_without_secrets()
    _setup()
    from django.core.management import call_command

    _prepare_database(load_demo="--no-demo" not in args)
    check_key_canary()
    # Into this node's own PARCELOPS_DATA_DIR: whitenoise serves the files from there.
    call_command("collectstatic", interactive=False, verbosity=0)
    _print_banner(port)

    children = [subprocess.Popen(gunicorn_command(host, port, os.environ))]
    if "--no-worker" not in args:
        children.append(subprocess.Popen([sys.executable, "-m", "parcelops.cli", "worker"]))

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    stop(signal.SIGTERM, None)
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    return max(child.returncode or 0 for child in children)


# Commands whose CLI name differs from the Django management command's module name.
ALIASES = {
    "worker": "run_huey",
    "import-orders": "import_orders",
    "export-orders": "export_orders",
    "import-events": "import_events",
    "import-bill": "import_bill",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "keys" and rest[:1] == ["generate"]:
        return generate_keys(rest[1:])
    if command == "serve":
        return serve(rest)
    name = ALIASES.get(command, command.replace("-", "_"))
    checks_at_start(name, rest)
    run_django_command(["parcelops", name, *rest])
    return 0


def run_django_command(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except startup.KeyMismatchError as mismatch:  # migrate found data the keys do not open
        raise SystemExit(f"parcelops: {mismatch}") from None


if __name__ == "__main__":
    sys.exit(main())
