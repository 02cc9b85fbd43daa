"""The files operators deploy from (Dockerfile, compose.yaml, systemd units, the env file,
the nginx example), checked without docker or systemd on the machine: they say what the
operations guide says, pin their images and hold no secret."""

import configparser
import json
import re
from pathlib import Path

import pytest
import yaml

from parcelops import cli

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
WEB = ["parcelops", "serve", "--no-demo", "--no-worker"]
WORKER = ["parcelops", "worker"]
MIGRATE = ["parcelops", "migrate", "--noinput"]
# What `parcelops keys generate` prints: never written into a file of the repository.
SECRETS = ("SECRET_KEY", "PARCELOPS_DATA_KEYS", "PARCELOPS_INDEX_KEY", "PARCELOPS_AUDIT_KEY")
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|_KEYS?$|TOKEN|DATABASE_URL)", re.IGNORECASE)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _space, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


def test_the_dockerfile_builds_from_pinned_images_and_runs_a_web_node_unprivileged():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _arguments in instructions]

    assert keywords[0] == "FROM"
    assert set(keywords) <= {"FROM", "WORKDIR", "COPY", "RUN", "ENV", "USER", "EXPOSE", "CMD"}
    assert {"COPY", "RUN", "CMD"} <= set(keywords)
    for arguments in (arguments for keyword, arguments in instructions if keyword == "FROM"):
        image = arguments.split()[0]
        assert re.fullmatch(r"[a-z0-9./-]+:[0-9][\w.-]*", image), f"{image}: pin a version tag"
    cmd = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    assert [json.loads(arguments) for arguments in cmd] == [WEB]
    assert keywords.index("USER") < keywords.index("CMD")
    assert dict(instructions)["USER"] == "parcelops"


def test_the_dockerfile_copies_only_what_exists_and_sets_no_secret():
    for keyword, arguments in dockerfile_instructions():
        if keyword == "COPY" and not arguments.startswith("--from"):
            for source in arguments.split()[:-1]:
                assert (ROOT / source).exists(), source
        if keyword in {"ENV", "ARG"}:
            names = re.findall(r"(\w+)=", arguments)
            assert [name for name in names if SECRET_NAME.search(name)] == []
    assert "pip install --no-cache-dir -c /tmp/constraints.txt" in (ROOT / "Dockerfile").read_text()


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_postgres_redis_a_one_shot_migration_web_and_worker():
    services = compose()["services"]

    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    assert [services[name]["command"] for name in ("migrate", "web", "worker")] == [
        MIGRATE,
        WEB,
        WORKER,
    ]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["worker"]["stop_signal"] == "SIGINT"  # Huey's graceful stop
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_pins_its_images_and_keeps_secrets_in_env_files():
    services = compose()["services"]

    for name, service in services.items():
        assert re.fullmatch(r"[a-z0-9./-]+:[0-9][\w.-]*", service["image"]), name
        assert "environment" not in service, f"{name}: settings go in its env file"
        env_file = ROOT / service.get("env_file", "deploy/none")
        if name != "redis":
            assert env_file.with_name(env_file.name + ".example").exists(), name
    assert {services[name]["env_file"] for name in ("migrate", "web", "worker")} == {
        "deploy/parcelops.env"
    }
    assert services["postgres"]["env_file"] == "deploy/postgres.env"
    assert len({services[name]["image"] for name in ("migrate", "web", "worker")}) == 1
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "deploy/*.env" in ignored


def env_example(name: str) -> dict[str, str]:
    lines = (DEPLOY / name).read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(pair) == 2 for pair in pairs)
    return dict(pairs)  # type: ignore[arg-type]


def test_the_env_file_example_sets_a_production_node_and_holds_no_secret():
    env = env_example("parcelops.env.example")

    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://")
    assert env["HTTPS"] == "true"
    assert env["PARCELOPS_DATA_DIR"] == "/var/lib/parcelops"
    assert [name for name in SECRETS if name in env] == []  # `parcelops keys generate` adds them
    assert env_example("postgres.env.example")["POSTGRES_PASSWORD"] == ""
    guide = (ROOT / "docs" / "operations.md").read_text()
    assert [name for name in env if f"`{name}`" not in guide] == []


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / name)
    return parser


@pytest.mark.parametrize(
    ("name", "command", "kill_signal"),
    [
        ("parcelops-web.service", WEB, None),
        ("parcelops-worker.service", WORKER, "SIGINT"),
        ("parcelops-migrate.service", MIGRATE, None),
    ],
)
def test_the_systemd_units_run_the_documented_commands_from_the_env_file(
    name, command, kill_signal
):
    service = unit(name)["Service"]

    assert service["EnvironmentFile"] == "/etc/parcelops/env"
    assert service["ExecStart"].split() == ["/opt/parcelops/bin/parcelops", *command[1:]]
    assert service["User"] == "parcelops"
    assert service.get("KillSignal") == kill_signal
    assert service["ProtectSystem"] == "strict"


def test_the_nginx_example_sets_the_trusted_headers_and_outwaits_gunicorn():
    conf = (DEPLOY / "nginx.conf").read_text()
    command = cli.gunicorn_command("127.0.0.1", "8000", {})
    gunicorn_timeout = int(command[command.index("--timeout") + 1])

    assert "proxy_set_header X-Forwarded-Proto https;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert int(re.search(r"proxy_read_timeout (\d+)s;", conf).group(1)) > gunicorn_timeout  # type: ignore[union-attr]
    body_limit_mib = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))  # type: ignore[union-attr]
    assert body_limit_mib * 1024 * 1024 > 16 * 1024 * 1024  # PARCELOPS_BATCH_MAX_BYTES
