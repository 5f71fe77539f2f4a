"""The wheel is self-contained: built from the checkout, installed into a fresh venv, it
advises, lints and runs the shipped pack tests from an unrelated directory, with the
engine compiled in (no durable-rules distribution installed)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(*args, cwd=None):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    where = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", where / "dist", ROOT)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next((where / "dist").glob("soaprules-*.whl"))
    venv.create(where / "venv", with_pip=True)
    python = where / "venv" / "bin" / "python"
    done = _run(python, "-m", "pip", "install", "-q", wheel)
    assert done.returncode == 0, done.stdout + done.stderr
    elsewhere = where / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ROOT / "fixtures" / "profiles" / "rs20-quiet-star.yaml", elsewhere / "me.yaml")
    return where / "venv" / "bin" / "soaprules", python, elsewhere


def test_advise_on_a_copied_profile_from_an_unrelated_directory(installed):
    soaprules, _, elsewhere = installed
    done = _run(soaprules, "advise", "me.yaml", "--format", "json", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert '"recommendations"' in done.stdout and "Traceback" not in done.stderr


def test_lint_strict_and_pack_tests_on_the_shipped_packs(installed):
    soaprules, _, elsewhere = installed
    for command in (["lint", "--strict"], ["test"]):
        done = _run(soaprules, *command, cwd=elsewhere)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_engine_is_built_in_not_a_separate_distribution(installed):
    _, python, elsewhere = installed
    probe = ("import importlib.metadata as m, soaprules.engine.durable as e\n"
             "names = {d.metadata['Name'].lower() for d in m.distributions()}\n"
             "print(e._core.__name__, 'durable-rules' in names or 'durable_rules' in names)")
    done = _run(python, "-c", probe, cwd=elsewhere)
    assert done.stdout.split() == ["soaprules.durable_rules_engine", "False"], done.stderr
