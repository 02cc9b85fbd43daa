"""`make deploy-test`: the operations guide's PostgreSQL + Redis deployment, run for real.

Two web nodes and two workers, each with a data directory of its own (as if on its own
machine), one production environment file, PostgreSQL database `parcelops_deploy_test`
(dropped and created again) and Redis database 14 (flushed). Each step prints what it
showed; the first that does not hold stops the run with exit status 1. About 2 minutes
on two cores; not part of CI (it starts a dozen processes). Needs PostgreSQL on
127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379.

Steps: keys into the env file; `parcelops migrate` once; web nodes and workers started;
an order taken on node A and read on node B; a worker killed with SIGKILL while it sends
an email (the message stays unconfirmed, as the guide says, and the other worker goes on);
a send task lost with its worker (the next periodic run of the outbox sends the message);
a node started without keys (it must refuse); a backup with pg_dump -Fc restored with the
guide's pg_restore line over newer data, then `parcelops migrate` and `audit verify`.
"""

import json
import os
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import redis
import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "parcelops_deploy_test"
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
WORK = Path(tempfile.mkdtemp(prefix="parcelops-deploy-"))
STARTED: list[subprocess.Popen[bytes]] = []


def say(text: str) -> None:
    print(f"deploy-test: {text}", flush=True)  # noqa: T201 (the run's report)


def fail(text: str) -> None:
    say(f"FAILED: {text}")
    raise SystemExit(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(what: str, check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    fail(f"{what}: not within {seconds:.0f} s (logs in {WORK})")
    return None


# --- a mail server that can hang, so a worker can be caught in the middle of a send ---


class Mail:
    hang = threading.Event()  # set: accept and never answer
    connected = threading.Event()  # a client reached us while hanging
    received: list[str] = []


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend (no TLS, no AUTH)."""

    def handle(self) -> None:
        if Mail.hang.is_set():
            Mail.connected.set()
            time.sleep(300)  # the worker waits on our banner until it is killed
            return
        self.wfile.write(b"220 deploy-test\r\n")
        data: list[str] = []
        in_data = False
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    Mail.received.append("\n".join(data))
                    data = []
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line)
                continue
            verb = line[:4].upper()
            if verb == "DATA":
                in_data = True
                self.wfile.write(b"354 go on\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class MailServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


# --- the deployment ---


def env_file(smtp_port: int) -> dict[str, str]:
    """The production environment every process gets (docs/operations.md): keys from
    `parcelops keys generate` when it prints the full set, else made the same way."""
    printed = subprocess.run(
        [sys.executable, "-m", "parcelops.cli", "keys", "generate"],
        cwd=ROOT,
        env={**os.environ, "PARCELOPS_DATA_DIR": str(WORK / "keygen")},
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    keys = dict(
        line.split("=", 1) for line in printed.splitlines() if "=" in line and line[0].isupper()
    )
    keys.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    keys.setdefault("PARCELOPS_DATA_KEYS", Fernet.generate_key().decode())
    keys.setdefault("PARCELOPS_INDEX_KEY", secrets.token_urlsafe(32))
    keys.setdefault("PARCELOPS_AUDIT_KEY", secrets.token_urlsafe(32))
    env = {
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "LOG_LEVEL": "INFO",
        "WEB_CONCURRENCY": "1",
        "HUEY_WORKERS": "2",
        **keys,
    }
    (WORK / "parcelops.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    return env


def node_env(env: dict[str, str], node: str, **extra: str) -> dict[str, str]:
    data_dir = WORK / node
    data_dir.mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PARCELOPS_DATA_DIR": str(data_dir),
        **env,
        **extra,
    }


def parcelops(env: dict[str, str], node: str, *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "parcelops.cli", *args],
        cwd=ROOT,
        env=node_env(env, node),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and done.returncode != 0:
        fail(f"parcelops {' '.join(args)}: {done.stderr.strip()[-2000:]}")
    return done.stdout + done.stderr if not check else done.stdout


def start(env: dict[str, str], node: str, *command: str) -> subprocess.Popen[bytes]:
    log = (WORK / f"{node}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=node_env(env, node),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    STARTED.append(process)
    return process


def web_command(port: int) -> list[str]:
    """The guide's web command: `parcelops serve --no-demo --no-worker` where this
    checkout has it, else the gunicorn line."""
    usage = subprocess.run(
        [sys.executable, "-m", "parcelops.cli", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if "--no-worker" in usage:
        return ["-m", "parcelops.cli", "serve", "--no-demo", "--no-worker", "--port", str(port)]
    return ["-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]


def start_web(env: dict[str, str], node: str, port: int) -> subprocess.Popen[bytes]:
    process = start(env, node, *web_command(port))

    def healthy() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).ok
        except requests.RequestException:
            return False

    wait_until(f"web node {node} on port {port} answers its health check", healthy, 60)
    return process


def start_worker(env: dict[str, str], node: str) -> subprocess.Popen[bytes]:
    process = start(env, node, "-m", "parcelops.cli", "worker")
    wait_until(
        f"worker {node} starts",
        lambda: "Huey consumer started" in (WORK / f"{node}.log").read_text(errors="replace"),
    )
    return process


def stop(process: subprocess.Popen[bytes], how: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, how)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def sql(query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as connection:
        return connection.execute(query, params).fetchall()  # type: ignore[arg-type]


def queue_email(env: dict[str, str], node: str, key: str) -> None:
    """An email queued the way the product queues one: in a transaction, the send task
    asked for after the commit."""
    parcelops(
        env,
        node,
        "shell",
        "-c",
        "from django.db import transaction\n"
        "from parcelops.outbox.actions import queue_email\n"
        "with transaction.atomic():\n"
        f"    queue_email(key={key!r}, kind='deploy.test', to_address='ops@shop.example',"
        f" subject={key!r}, body='deploy test')\n",
    )


def message_state(key: str) -> tuple[str, Any]:
    rows = sql("SELECT state, sent_at FROM outbox_outboxmessage WHERE idempotency_key = %s", key)
    return rows[0] if rows else ("missing", None)


def order_payload() -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": "DEPLOY-1",
        "placed_at": datetime.now(UTC).isoformat(),
        "customer": {"name": "王小明", "phone": "13812345678", "tier": "regular"},
        "shipping_address": {
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "street": "文三路 100 号",
            "postal_code": "310012",
            "country": "CN",
        },
        "lines": [
            {"sku": "TEA-001", "name": "西湖龙井 250g", "quantity": 1, "unit_price": "168.00"}
        ],
        "discount": "0.00",
        "shipping_fee": "10.00",
        "total": "178.00",
        "currency": "CNY",
    }


def verdict(output: str) -> str:
    """The line of `parcelops audit verify`'s output that says how the chain is."""
    lines = [line for line in output.splitlines() if "audit chain" in line]
    return lines[-1] if lines else output.strip()[-300:]


def main() -> None:
    began = time.monotonic()
    say(f"work directory {WORK}")
    mail = MailServer(("127.0.0.1", 0), SmtpHandler)
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    env = env_file(mail.server_address[1])
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")  # our own name
        server.execute(f"CREATE DATABASE {DATABASE}")
    redis.Redis.from_url(REDIS_URL).flushdb()

    say("parcelops migrate (once, from one machine)")
    parcelops(env, "admin", "migrate", "--noinput")
    parcelops(
        env,
        "admin",
        "shell",
        "-c",
        "from django.contrib.auth.models import User\n"
        "from parcelops.orders.models import Channel\n"
        "User.objects.create_superuser('ops', 'ops@shop.example', 'deploy-test-password')\n"
        "Channel.objects.get_or_create(code='web', defaults={'name': '官网商城'})\n",
    )
    token = parcelops(env, "admin", "token", "create", "ops").strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}

    ports = {"web-a": free_port(), "web-b": free_port()}
    web = {node: start_web(env, node, port) for node, port in ports.items()}
    worker_1 = start_worker(env, "worker-1")
    say(f"two web nodes (ports {ports['web-a']}, {ports['web-b']}) and worker-1 are up")

    # An order on one node, read on the other.
    created = requests.post(
        f"http://127.0.0.1:{ports['web-a']}/api/v1/orders",
        data=json.dumps(order_payload()),
        headers={**headers, "Content-Type": "application/json"},
        timeout=30,
    )
    if created.status_code != 201:
        fail(f"order intake on web-a answered {created.status_code}: {created.text[:500]}")
    number = created.json()["number"]
    read = requests.get(
        f"http://127.0.0.1:{ports['web-b']}/api/v1/orders/{number}", headers=headers, timeout=30
    )
    if read.status_code != 200 or read.json()["number"] != number:
        fail(f"web-b could not read order {number}: {read.status_code} {read.text[:300]}")
    say(f"order {number} taken on web-a, read on web-b")

    # A worker killed in the middle of a send.
    Mail.hang.set()
    queue_email(env, "web-a", "deploy:killed-mid-send")
    wait_until("worker-1 takes the send and waits on the mail server", Mail.connected.is_set)
    worker_2 = start_worker(env, "worker-2")
    stop(worker_1, signal.SIGKILL)
    Mail.hang.clear()
    state = message_state("deploy:killed-mid-send")
    if state != ("sent", None):
        fail(f"the message worker-1 was sending should be unconfirmed, it is {state}")
    say("worker-1 killed (SIGKILL) mid-send: its message is unconfirmed (sent, no sent_at),")
    say("  listed on /alerts/outbox/, never sent again by itself (at most once)")
    queue_email(env, "web-b", "deploy:after-the-kill")
    wait_until(
        "worker-2 sends the next message",
        lambda: message_state("deploy:after-the-kill")[1] is not None,
    )
    say("worker-2 goes on: the next message was sent")

    # A send task lost with its worker: the outbox's periodic run sends the message.
    stop(worker_2)
    queue_email(env, "web-a", "deploy:task-lost")
    queued = redis.Redis.from_url(REDIS_URL)
    lost = sum(queued.delete(key) for key in queued.keys("huey*parcelops*"))  # type: ignore[union-attr]
    if message_state("deploy:task-lost")[0] != "pending" or not lost:
        fail("the message should be pending with its send task gone from the queue")
    worker_3 = start_worker(env, "worker-3")
    wait_until(
        "the next periodic run (send_due_outbox, each minute) sends the message whose task was lost",
        lambda: message_state("deploy:task-lost")[1] is not None,
        90,
    )
    runs = sql("SELECT count(*) FROM core_periodicrun")[0][0]
    say(
        f"a send task lost with its worker: the outbox's periodic run sent it ({runs} claimed runs)"
    )

    # A node without keys.
    keyless = {
        k: v
        for k, v in env.items()
        if k
        not in {"PARCELOPS_DATA_KEYS", "PARCELOPS_INDEX_KEY", "PARCELOPS_AUDIT_KEY", "SECRET_KEY"}
    }
    refusing = start(keyless, "keyless", "-m", "parcelops.cli", "worker")
    try:
        refusing.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stop(refusing)
        fail("a worker without keys started instead of refusing")
    else:
        last = (WORK / "keyless.log").read_text(errors="replace").strip().splitlines()[-1:]
        if refusing.returncode == 0:
            fail("a worker without keys exited 0 instead of refusing")
        say(f"a node without keys refused to start: {last[0] if last else '(no message)'}")

    # Backup, newer data, restore as the guide says, migrate, verify.
    dump = WORK / "parcelops.dump"
    subprocess.run(["pg_dump", "-Fc", "-d", f"{SERVER}/{DATABASE}", "-f", str(dump)], check=True)
    later = order_payload() | {"external_id": "DEPLOY-2"}
    newer = requests.post(
        f"http://127.0.0.1:{ports['web-b']}/api/v1/orders",
        data=json.dumps(later),
        headers={**headers, "Content-Type": "application/json"},
        timeout=30,
    ).json()["number"]
    parcelops(env, "worker-3", "audit", "witness")
    for process in [*web.values(), worker_3]:
        stop(process)
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
         "--single-transaction", "-d", f"{SERVER}/{DATABASE}", str(dump)],
        check=True,
    )  # fmt: skip
    parcelops(env, "worker-3", "migrate", "--noinput")
    verify = parcelops(env, "worker-3", "audit", "verify", check=False)
    say(f"restored over newer data; audit verify says: {verdict(verify)}")
    parcelops(env, "worker-3", "audit", "witness", "--reset")
    verified = parcelops(env, "worker-3", "audit", "verify").strip()
    say(f"after `audit witness --reset`: {verified}")
    web_a = start_web(env, "web-a", ports["web-a"])
    before = requests.get(
        f"http://127.0.0.1:{ports['web-a']}/api/v1/orders/{number}", headers=headers, timeout=30
    ).status_code
    after = requests.get(
        f"http://127.0.0.1:{ports['web-a']}/api/v1/orders/{newer}", headers=headers, timeout=30
    ).status_code
    if (before, after) != (200, 404):
        fail(f"after the restore: order {number} -> {before}, order {newer} -> {after}")
    stop(web_a)
    say(f"the restored database has order {number} and not {newer}, taken after the backup")

    # The same dump on a spare machine: a new, empty database.
    spare = f"{DATABASE}_spare"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {spare} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {spare}")
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
         "--single-transaction", "-d", f"{SERVER}/{spare}", str(dump)],
        check=True,
    )  # fmt: skip
    spare_env = {**env, "DATABASE_URL": f"{SERVER}/{spare}"}
    parcelops(spare_env, "spare", "migrate", "--noinput")
    spare_check = parcelops(spare_env, "spare", "audit", "verify", check=False).strip()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE {spare} WITH (FORCE)")
    say(f"restored into an empty database too; audit verify there: {verdict(spare_check)}")
    say(f"PASSED in {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    try:
        main()
    finally:
        for process in STARTED:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
