"""tools/drift.py decides whether CI's drift suite would only repeat the pinned runs."""
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import drift  # noqa: E402

LOCK = """# header
pydantic==2.14.4 \\
    --hash=sha256:aa
hypothesis==6.168.5 ; python_full_version < '3.11' \\
    --hash=sha256:bb
hypothesis==6.170.17 ; python_full_version >= '3.11' \\
    --hash=sha256:cc
typing-extensions==4.16.0 \\
    --hash=sha256:dd
    # via pydantic
"""


def report(*pairs):
    return {"install": [{"metadata": {"name": n, "version": v}} for n, v in pairs]}


def test_the_lock_itself_has_not_drifted():
    rep = report(("pydantic", "2.14.4"), ("hypothesis", "6.170.17"),
                 ("typing_extensions", "4.16.0"), ("soaprules", "0.1.0"))
    assert drift.drifted(rep, LOCK) == []


def test_a_newer_version_or_a_new_package_is_drift_and_named():
    rep = report(("pydantic", "2.15.0"), ("hypothesis", "6.168.5"), ("rich", "15.0.0"))
    lines = drift.drifted(rep, LOCK)
    assert len(lines) == 2
    assert lines[0].startswith("pydantic: newest 2.15.0") and "2.14.4" in lines[0]
    assert lines[1].startswith("rich:") and "not locked" in lines[1]


def test_the_real_lock_parses_every_pin():
    lock = (Path(__file__).resolve().parents[1] / "requirements" / "test.lock").read_text()
    pins = drift.pinned(lock)
    lines = [l for l in lock.splitlines() if l[:1].isalnum() and "==" in l]
    assert sum(len(v) for v in pins.values()) == len(lines) > 10


def test_exit_status(tmp_path):
    lock = tmp_path / "test.lock"
    lock.write_text(LOCK)
    rep = tmp_path / "r.json"
    tool = Path(drift.__file__)
    rep.write_text(json.dumps(report(("pydantic", "2.14.4"))))
    same = subprocess.run([sys.executable, tool, rep, lock], capture_output=True, text=True)
    rep.write_text(json.dumps(report(("pydantic", "9.0"))))
    moved = subprocess.run([sys.executable, tool, rep, lock], capture_output=True, text=True)
    assert (same.returncode, same.stdout) == (0, "")
    assert moved.returncode == 1 and "pydantic: newest 9.0" in moved.stdout
