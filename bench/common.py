"""Helpers the benchmarks share: percentiles, a real `parcelops serve` on 127.0.0.1, Django
set-up in a data directory, and CPU accounting from /proc (Linux)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the values lie (nearest rank, no interpolation)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def setup_django(data_dir: str) -> None:
    """Point this process at `data_dir`, set Django up and migrate."""
    os.environ["PARCELOPS_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`parcelops serve --no-demo` (gunicorn + the Huey worker) on 127.0.0.1:`port`.

    `env` is the environment to start it with (default: this process's); the data
    directory, port and no access log are set on top of it (formatting a line costs
    0.14 ms a request, even sent to /dev/null), and the per-token API limit is off unless
    `env` sets it.
    """

    def __init__(self, data_dir: str, port: int, env: Mapping[str, str] | None = None):
        self.port = port
        environment = dict(os.environ if env is None else env)
        environment.update(PARCELOPS_DATA_DIR=data_dir, PORT=str(port), ACCESS_LOG="")
        # One bench token sends the whole load: the per-token API limit would measure itself.
        environment.setdefault("PARCELOPS_API_RATE_LIMIT", "0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "parcelops.cli", "serve", "--no-demo"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/health")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (name) "


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and all its living descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(entry)) is not None:
            parents[int(entry)] = int(fields[1])
            cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICKS
    members = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in members and pid not in members:
                members.add(pid)
                grew = True
    return sum(cpu.get(pid, 0.0) for pid in members)


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _TICKS, sum(values) / _TICKS


def self_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system
