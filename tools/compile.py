"""Compile the migration linter's hot modules with mypyc, in place (``make compile``).

The linter spends most of its time in a few pure-Python modules (the rule
engine, statement conversion, the SQL splitter, the JSON report). mypyc turns
those modules, which ``mypy --strict`` already checks, into C extensions that
run the same code with 19-28% less CPU per file (see docs/performance.md). The list of
modules is the ``include`` list of the ``mypyc`` wheel build hook in
pyproject.toml, so a compiled wheel and a compiled checkout hold the same
modules.

An extension module sits next to its ``.py`` file and is imported instead of
it. Every run of this script first deletes the extensions it built before,
so a failed build (no C compiler, no Python headers) leaves a pure-Python
checkout that works, not a stale mix. ``--clean`` only deletes them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUP = "guardians._compiled"  # the shared library of the group lives inside the package


def compiled_modules() -> list[str]:
    """Paths (relative to the repository) of the modules to compile, from pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    hook = config["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["mypyc"]
    return [str(p) for p in hook["include"]]


def built_extensions() -> list[Path]:
    """Extension modules inside the package: only this script builds them (guardians has no
    other native code), so modules dropped from the list since the last build go too."""
    # (a compiled wheel build, HATCH_BUILD_HOOK_ENABLE_MYPYC=true, leaves its shared library at the top)
    return sorted([*(ROOT / "guardians").rglob("*.so"), *ROOT.glob("*__mypyc.*.so")])


def stale_modules() -> list[str]:
    """Listed modules whose source changed after their extension was built (the extension,
    not the source, would run), or that have no extension while others have one."""
    built = {path.with_name(path.name.split(".")[0]): path for path in built_extensions()}
    if not built:
        return []  # a pure-Python checkout
    stale = []
    for module in compiled_modules():
        source = ROOT / module
        extension = built.get(source.with_suffix(""))
        if extension is None or extension.stat().st_mtime < source.stat().st_mtime:
            stale.append(module)
    return stale


def clean() -> None:
    for path in built_extensions():
        path.unlink()
    shutil.rmtree(ROOT / "build" / "mypyc", ignore_errors=True)


_SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify

setup(
    name="guardians-compiled",
    ext_modules=mypycify(sys.argv.pop(1).split(","), group_name={group!r}, target_dir={target!r}),
    script_args=["build_ext", "--build-lib", {lib!r}, "--build-temp", {temp!r}],
)
"""


def build() -> int:
    modules = compiled_modules()
    work = ROOT / "build" / "mypyc"
    work.mkdir(parents=True, exist_ok=True)
    setup = work / "setup.py"
    lib = work / "lib"
    setup.write_text(
        _SETUP.format(group=GROUP, target=str(work / "c"), lib=str(lib), temp=str(work / "tmp")),
        encoding="utf-8",
    )
    # run from the build directory: setuptools would read our pyproject.toml (hatchling's
    # metadata) and mypy would write its cache into the checkout
    proc = subprocess.run(
        [sys.executable, str(setup), ",".join(str(ROOT / m) for m in modules)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    built = sorted(lib.rglob("*.so"))
    if proc.returncode != 0 or not built:
        clean()
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        return proc.returncode or 1
    for path in built:
        target = ROOT / path.relative_to(lib)
        shutil.copyfile(path, target.with_name(target.name + ".tmp"))
        os.replace(target.with_name(target.name + ".tmp"), target)  # a running process keeps the old one
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="only delete the compiled modules")
    parser.add_argument(
        "--check", action="store_true", help="fail if the build fails (default: warn, stay pure Python)"
    )
    args = parser.parse_args(argv)
    clean()
    if args.clean:
        return 0
    status = build()
    if status == 0:
        print(f"compiled {len(compiled_modules())} modules with mypyc")
        return 0
    print("mypyc build failed: guardians runs as pure Python (same results, more CPU)", file=sys.stderr)
    return status if args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
