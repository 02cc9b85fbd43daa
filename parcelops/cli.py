"""The `parcelops` command: serve, worker, demo, token, audit, keys, import/export, and
every other Django management command (`parcelops migrate`, `parcelops createsuperuser`)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

USAGE = """usage: parcelops COMMAND [options]

  serve [--port N] [--no-demo]   web console + API (gunicorn) and the Huey worker
  worker                         the Huey worker alone (background and periodic tasks)
  demo [--orders N] [--seed S]   load realistic demo data
  token create USERNAME          print a new API token for USERNAME
  audit verify                   check the audit trail's hash chain
  keys rotate | keys generate    re-encrypt customer data with the newest key / print a new key
  import-orders FILE             import orders from xlsx/csv (--dry-run, --preset, --mapping)
  export-orders -o FILE.xlsx     export orders to Excel
  import-events FILE             import carrier tracking events (csv, xlsx, jsonl; --mapping)
  providers set-secret P SECRET  the signing secret of a push provider (kuaidi100, aftership, 17track)
  sweep --once [--now ISO]       one run of the exception desk's clock (the worker runs it each minute)
  bench ingest --events N        the tracking ingestion benchmark (empty database; --workers W)
  bench push | track             HTTP pushes and customer lookups against a real server
  bench memory --events N        peak memory of import-events on a generated file
  bench sweep --shipments N      the exception desk's sweep over N parcels, 1 % due
  any other Django command       migrate, createsuperuser, changepassword, shell, ...
"""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


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
        # Its error and access logs in the product's JSON lines (parcelops.core.logs).
        "--logger-class",
        "parcelops.core.logs.GunicornLogger",
    ]
    access_log = env.get("ACCESS_LOG", "-")
    if access_log:  # empty: no access log (one to /dev/null still formats every line)
        command += ["--access-logfile", access_log]
    return command


def serve(args: list[str]) -> int:
    """Migrate, load the demo on first start, then run gunicorn and the Huey consumer."""
    port = _option(args, "--port", os.environ.get("PORT", "8000"))
    if not port.isdigit():
        raise SystemExit(f"parcelops: --port must be a number, not {port!r}")
    host = os.environ.get("HOST", "127.0.0.1")
    _setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if "--no-demo" not in args and not User.objects.exists():
        print("First start: loading demo data ...", flush=True)
        call_command("demo")
    _print_banner(port)

    web = subprocess.Popen(gunicorn_command(host, port, os.environ))
    worker = subprocess.Popen([sys.executable, "-m", "parcelops.cli", "worker"])
    children = [web, worker]

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
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command == "serve":
        return serve(rest)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parcelops", ALIASES.get(command, command.replace("-", "_")), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
