"""Builds soaprules' engine: durable-rules' C core, compiled from its published source.

durable-rules 2.0.28 (2020) is the last release; its Python binding calls
PyEval_CallObject, which left the C API in 3.13. Upstream merged the rename (PR #403)
but never released it, so this build fetches the pinned sdist through pip (the user's
index, proxy and certificates apply), checks its sha256, applies that one rename and
compiles the unchanged C core and the patched binding into `soaprules.durable_rules_engine`.
No durable-rules source is kept in this repository.

It also copies the shipped packs and schemas into the package, so a wheel runs anywhere;
the top-level rules/ and schemas/ stay the source of truth.
"""
from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.errors import SetupError

HERE = Path(__file__).resolve().parent
CORE_SOURCES = ("json", "rete", "state", "events", "regex")  # durable's own list (its setup.py)
DURABLE_CFLAGS = ["-std=c99", "-D_GNU_SOURCE"]  # durable's own flags on Linux and macOS
SHIPPED = {"rules": "rules", "schemas": "schemas"}  # source folder -> folder in soaprules/_shipped


def _pin() -> dict:
    """The constants of soaprules/engine/pin.py, read without importing the package."""
    tree = ast.parse((HERE / "soaprules" / "engine" / "pin.py").read_text(encoding="utf-8"))
    pin = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            value = ast.literal_eval(node.value)
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = value if isinstance(target, ast.Tuple) else [value]
                pin.update({n.id: v for n, v in zip(names, values)})
    return pin


PIN = _pin()


def _cache_dir() -> Path:
    given = os.environ.get("SOAPRULES_SDIST_DIR")
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "soaprules" / "sdist"


def _download_hint(where: Path) -> str:
    return (f"{sys.executable} -m pip download --no-deps --no-binary :all: "
            f"durable-rules=={PIN['DURABLE_VERSION']} -d {where}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch_sdist() -> Path:
    """The pinned sdist, from the cache or through pip; its sha256 checked either way."""
    where = _cache_dir()
    sdist = where / PIN["DURABLE_SDIST"]
    if not (sdist.is_file() and _sha256(sdist) == PIN["DURABLE_SDIST_SHA256"]):
        where.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                   "--no-build-isolation", f"durable-rules=={PIN['DURABLE_VERSION']}", "-d", str(where)]
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0 or not sdist.is_file():
            sys.stderr.write(done.stdout[-2000:])
            raise SetupError(f"soaprules: could not fetch durable-rules {PIN['DURABLE_VERSION']}'s source "
                             f"through pip. With network, run `{_download_hint(where)}`; "
                             "the install then works offline.")
    actual = _sha256(sdist)
    if actual != PIN["DURABLE_SDIST_SHA256"]:
        raise SetupError(f"soaprules: {sdist} has sha256 {actual}, expected {PIN['DURABLE_SDIST_SHA256']}; "
                         "delete it and install again.")
    return sdist


def unpack(sdist: Path, into: Path) -> Path:
    """The sdist's src/ folder, unpacked fresh into `into`, members checked to stay inside."""
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            target = (into / member.name).resolve()
            if not (member.isfile() or member.isdir()) or into.resolve() not in target.parents:
                raise SetupError(f"soaprules: unexpected member {member.name!r} in {sdist.name}")
        archive.extractall(into)  # every member checked above: plain files inside `into`
    return into / PIN["DURABLE_SDIST"].removesuffix(".tar.gz") / "src"


def patch_binding(src: Path) -> Path:
    """Apply the rename at exactly the expected sites, or refuse."""
    binding = src / "rulespy" / "rules.c"
    text = binding.read_text(encoding="utf-8")
    sites = text.count(PIN["PATCH_OLD"])
    if sites != PIN["PATCH_SITES"]:
        raise SetupError(f"soaprules: {binding.name} has {sites} calls of {PIN['PATCH_OLD'][:-1]}, "
                         f"expected {PIN['PATCH_SITES']}; the pinned source changed, refusing to patch")
    binding.write_text(text.replace(PIN["PATCH_OLD"], PIN["PATCH_NEW"]), encoding="utf-8")
    return binding


def check_toolchain(compiler) -> None:
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not headers.is_file():
        raise SetupError(f"soaprules: Python's C headers are missing ({headers.name} not found); install them "
                         f"(Debian/Ubuntu: apt-get install python3-dev) and install again.")
    cc = compiler.compiler_so[0] if getattr(compiler, "compiler_so", None) else None
    if cc and shutil.which(cc) is None:
        raise SetupError(f"soaprules: no C compiler ({cc} not found); install one "
                         "(Debian/Ubuntu: apt-get install gcc) and install again.")


class BuildDurable(build_ext):
    def build_extensions(self):
        check_toolchain(self.compiler)
        src = unpack(fetch_sdist(), Path(self.build_temp) / "durable")
        binding = patch_binding(src)
        for ext in self.extensions:
            ext.sources = [str(src / "rules" / f"{name}.c") for name in CORE_SOURCES] + [str(binding)]
            ext.include_dirs = [str(src / "rules")]
        super().build_extensions()
        licence = src.parent / "LICENSE"
        for ext in self.extensions:
            target = Path(self.get_ext_fullpath(ext.name)).parent / "durable_rules_LICENSE"
            shutil.copyfile(licence, target)


class BuildWithPacks(build_py):
    def run(self):
        super().run()
        for source, name in SHIPPED.items():
            target = Path(self.build_lib) / "soaprules" / "_shipped" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(
    ext_modules=[Extension("soaprules.durable_rules_engine", sources=["<fetched at build time>"],
                           extra_compile_args=DURABLE_CFLAGS)],
    cmdclass={"build_ext": BuildDurable, "build_py": BuildWithPacks},
)
