"""The built wheel works on its own: schemas and templates ship inside it.

Builds the wheel, installs it with --no-deps into a fresh virtualenv and runs
the console script from an unrelated working directory, so nothing can be
picked up from the source checkout.

Tests run without network access, so the runtime dependencies are not
downloaded: a .pth file in the fresh venv appends the project venv's
site-packages to sys.path. A plain path line in a .pth file only extends
sys.path (the .pth files inside that directory, such as the editable install
of this checkout, are not processed), and the fresh venv's own site-packages
comes first, so ``guardians`` itself is imported from the wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run(args: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _build_wheel(out: Path, cwd: Path) -> Path:
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, REPO], cwd)
    if build.returncode != 0 and importlib.util.find_spec("hatchling") is not None:
        # Isolated builds fetch hatchling from an index; fall back to the one installed here.
        build = _run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, REPO], cwd
        )
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no index and no hatchling): {build.stderr[-500:]}")
    [wheel] = out.glob("guardians-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(wheel, venv, neutral working directory)."""
    base = tmp_path_factory.mktemp("wheel")
    cwd = base / "elsewhere"
    cwd.mkdir()
    wheel = _build_wheel(base / "dist", cwd)
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd)
    assert made.returncode == 0, made.stderr
    py = venv / "bin" / "python"
    install = _run([sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "-q", wheel], cwd)
    assert install.returncode == 0, install.stderr
    site = Path(_run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd).stdout.strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return wheel, venv, cwd


def test_wheel_contains_data_files(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "guardians/_data/templates/cicd.yaml.j2" in names
    assert "guardians/_data/schemas/deployment.schema.json" in names
    assert "guardians/py.typed" in names
    for schema in (REPO / "schemas").glob("*.schema.json"):
        assert f"guardians/_data/schemas/{schema.name}" in names
    for template in (REPO / "templates").glob("*.j2"):
        assert f"guardians/_data/templates/{template.name}" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_installed_package_comes_from_the_wheel(installed):
    _, venv, cwd = installed
    probe = _run(
        [
            venv / "bin" / "python",
            "-c",
            "import guardians, guardians.protocol.resources as r; print(guardians.__file__); print(r.schemas_dir());"
            " print(r.templates_dir())",
        ],
        cwd,
    )
    assert probe.returncode == 0, probe.stderr
    module, schemas, templates = (Path(line) for line in probe.stdout.split())
    assert module.is_relative_to(venv)
    assert schemas.is_relative_to(venv) and schemas.parts[-2:] == ("_data", "schemas")
    assert templates.is_relative_to(venv) and templates.parts[-2:] == ("_data", "templates")


def test_schema_commands_from_the_wheel(installed):
    _, venv, cwd = installed
    guardians = venv / "bin" / "guardians"
    listing = _run([guardians, "schema", "list"], cwd)
    assert listing.returncode == 0, listing.stderr
    assert "deployment" in listing.stdout
    shown = _run([guardians, "schema", "show", "deployment"], cwd)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == _run([sys.executable, "-m", "guardians", "schema", "show", "deployment"], REPO).stdout
    assert '"$schema"' in shown.stdout


def test_pipeline_runs_from_the_wheel(installed, tmp_path):
    _, venv, cwd = installed
    root = tmp_path / "clean"
    shutil.copytree(REPO / "examples" / "clean", root)
    run = _run([venv / "bin" / "guardians", "run", "--root", root], cwd)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "operational" in run.stdout
    artifacts = root / "docs" / "specs" / "epic_1" / "consensus" / "artifacts"
    for rendered in ("cicd.yaml", "runbook.md", "deployment.json"):  # made from shipped templates
        assert (artifacts / rendered).is_file(), sorted(p.name for p in artifacts.iterdir())
    verify = _run([venv / "bin" / "guardians", "log", "verify", "--root", root], cwd)
    assert verify.returncode == 0, verify.stdout
    status = _run([venv / "bin" / "guardians", "status", "--root", root, "--format", "json"], cwd)
    assert status.returncode == 0, status.stderr
    [epic] = json.loads(status.stdout)
    assert (epic["epic_id"], epic["operational"]) == ("epic_1", True)
