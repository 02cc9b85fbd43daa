"""The production install: a wheel of the product alone (`make dist`), installed outside the
checkout, finds its templates, translations, static files and migrations, and carries no
tests or dev tools. Offline: the wheel is installed without its dependencies into a fresh
virtualenv that borrows them from this one (`make install-test` installs them for real)."""

import os
import re
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "ruff", "mypy", "playwright", "schemathesis", "hypothesis", "import-linter"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`make dist`'s command, on a copy of the tracked sources: a build in the checkout
    leaves build/ behind, whose stale files would end up in later wheels."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "parcelops", "config"):
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        timeout=300,
    )
    (built,) = dist.glob("parcelops-*.whl")
    return built


def test_the_wheel_holds_the_product_and_no_tests(wheel):
    names = zipfile.ZipFile(wheel).namelist()

    assert "parcelops/cli.py" in names
    assert "config/settings.py" in names
    assert "parcelops/locale/zh_Hans/LC_MESSAGES/django.mo" in names
    assert "parcelops/orders/migrations/0001_initial.py" in names
    assert any(name.startswith("parcelops/templates/") for name in names)
    assert any(name.startswith("parcelops/static/") for name in names)
    assert [name for name in names if "/tests/" in name] == []
    assert not any(name.startswith(("bench/", "tests/")) for name in names)


def project_names(requirements: list[str]) -> set[str]:
    return {
        re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower() for requirement in requirements
    }  # type: ignore[union-attr]


def test_the_runtime_dependencies_hold_no_dev_tool():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert project_names(project["dependencies"]) & DEV_TOOLS == set()
    assert project_names(project["optional-dependencies"]["dev"]) >= DEV_TOOLS


def test_the_installed_wheel_runs_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (own_site,) = venv.glob("lib/python3*/site-packages")
    # The dependencies come from this environment (offline); the product from the wheel.
    (own_site / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        timeout=120,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "PARCELOPS_DATA_DIR": str(tmp_path / "data"),
        "ALLOWED_HOSTS": "testserver",
    }

    def parcelops(*args: str) -> str:
        result = subprocess.run(
            [str(venv / "bin" / "parcelops"), *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    parcelops("migrate", "--verbosity", "0")
    assert (
        parcelops("channels", "add", "web", "官网商城")
        == "channel web added: orders may now name it\n"
    )
    assert parcelops(
        "shell", "--no-imports", "-c", "import parcelops; print(parcelops.__file__)"
    ).startswith(str(own_site))
    # Pages, their Chinese and the static files, served from the installed package.
    answers = parcelops(
        "shell",
        "--no-imports",
        "-c",
        "from django.test import Client; client = Client(headers={'accept-language': 'zh-hans'}); "
        "page = client.get('/accounts/login/'); css = client.get('/static/parcelops/app.css'); "
        "print(page.status_code, '登录' in page.content.decode(), css.status_code)",
    )
    assert answers == "200 True 200\n"
