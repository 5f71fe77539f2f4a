"""Pack-test profiles are read only from inside the pack's own folder: an overlay's tests
cannot read a file beside the overlay's folder (a `..`, an absolute path, a link leading
out), even with a heuristic catalog further up; the refusal names the case and is
positioned, and the file's content never appears in the output."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soaprules.cli.main import main
from soaprules.errors import Position
from soaprules.packs.load import DEFAULT_RULES_DIR, pack_files
from soaprules.authoring.packtest import own_folder, run
from soaprules.errors import PackTestError

ROOT = Path(__file__).resolve().parent.parent
OVERLAY = ROOT / "examples" / "school-overlay"
SECRET = "API_KEY=hunter2"
QUIET_STAR = "rs20-quiet-star.yaml"


@pytest.fixture
def school(tmp_path):
    """~/school/ with a heuristic catalog (which once widened the root to it), a secret
    beside the overlay, and the overlay with its tests and one good profile."""
    school = tmp_path / "school"
    overlay = school / "overlay"
    (overlay / "tests" / "profiles").mkdir(parents=True)
    shutil.copy(DEFAULT_RULES_DIR / "heuristics.yaml", school / "heuristics.yaml")
    (school / "secret.env").write_text(SECRET + "\n")
    (school / "x").write_text(f"schema: soaprules/profile@1\napplicant: {{id: '{SECRET}'}}\nclinical: hunter2\n")
    shutil.copy(OVERLAY / "northfield.yaml", overlay / "northfield.yaml")
    shutil.copy(OVERLAY / "tests" / "profiles" / QUIET_STAR, overlay / "tests" / "profiles" / QUIET_STAR)
    return school


def write_cases(path: Path, cases: list[tuple[str, str]]) -> Path:
    body = "".join(f"  - name: {name}\n    profile: '{profile}'\n    decisions: {{rescue_tier: 1}}\n"
                   for name, profile in cases)
    path.write_text("tests: soaprules/pack-tests@1\ncovers: [core]\ncases:\n" + body)
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def refused(diags, path: Path, case: str, profile: str) -> bool:
    """One diagnostic refuses `case`, names it, and points at its profile line."""
    return any(d.file == str(path) and f"case '{case}'" in d.message and "outside the pack's folder" in d.message
               and d.position.line == line_of(path, f"profile: '{profile}'")
               for d in diags)


def hostile_cases(school: Path) -> list[tuple[str, str]]:
    overlay = school / "overlay"
    (overlay / "tests" / "profiles" / "link.yaml").symlink_to(school / "secret.env")
    (overlay / "tests" / "out").symlink_to(school, target_is_directory=True)
    return [("dot dot to the secret", "../../secret.env"), ("dot dot to x", "../../x"),
            ("absolute", str(school / "secret.env")), ("a linked file", "profiles/link.yaml"),
            ("through a linked folder", "out/secret.env"), ("far up", "../../../../../../../../etc/hostname")]


def test_an_overlays_tests_cannot_read_beside_the_overlay(school, runner):
    overlay = school / "overlay"
    cases = hostile_cases(school)
    path = write_cases(overlay / "tests" / "leak.yaml", cases + [("fine", f"profiles/{QUIET_STAR}")])
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR, overlay])
    diags = info.value.diagnostics
    for name, profile in cases:
        assert refused(diags, path, name, profile), (name, [d.message for d in diags])
    assert len(diags) == len(cases)  # the good profile beside the tests is read
    assert own_folder(path, [DEFAULT_RULES_DIR, overlay]) == overlay.resolve()
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), str(overlay)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "hunter2" not in result.output and "outside the pack's folder" in result.stderr
    assert f"{path}:{line_of(path, '../../secret.env')}:" in result.stderr


def test_a_test_file_given_with_tests_is_held_to_its_own_folder(school, runner):
    extra = write_cases(school / "overlay" / "extra.yaml", [("sibling secret", "../secret.env")])
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR], [extra])
    assert refused(info.value.diagnostics, extra, "sibling secret", "../secret.env")
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), "--tests", str(extra)])
    assert result.exit_code == 1 and "hunter2" not in result.output


def test_a_linked_test_file_does_not_move_the_root(school, tmp_path):
    """The tests/ folder of the overlay holds a link to a test file kept elsewhere: paths
    are relative to the test file where it was found, the root stays the overlay, and
    the far file's neighbours are not read."""
    far = tmp_path / "far" / "tests"
    far.mkdir(parents=True)
    (far.parent / "secret.env").write_text(SECRET + "\n")
    real = write_cases(far / "t.yaml", [("beside the far file", "../secret.env"),
                                        ("up to the far folder", "../../far/secret.env")])
    link = school / "overlay" / "tests" / "t.yaml"
    link.symlink_to(real)
    assert own_folder(link) == (school / "overlay").resolve()
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR, school / "overlay"])
    diags = info.value.diagnostics
    assert [d.message for d in diags][0] == "no profile file ../secret.env"  # the overlay has none
    assert refused(diags, link, "up to the far folder", "../../far/secret.env")
    assert "hunter2" not in str(info.value)


def test_errors_in_a_profile_inside_the_root_show_only_its_own_text(school, runner):
    overlay = school / "overlay"
    bad = overlay / "tests" / "profiles" / "bad.yaml"
    bad.write_text("schema: soaprules/profile@1\nclinical: {evaluations: stong}\n")
    write_cases(overlay / "tests" / "t.yaml", [("bad value", "profiles/bad.yaml")])
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), str(overlay)])
    assert result.exit_code == 1 and f"{bad}:2:" in result.stderr
    assert "clinical: {evaluations: stong}" in result.stderr  # the snippet of the file that was read


def test_a_parent_pack_tree_is_readable_only_when_loaded_in_the_same_run(tmp_path):
    """As rules/plan/tests/ may read rules/tests/profiles/: a sub-pack's tests read the
    parent tree's profiles when that tree is one of the packs the run loads, and not
    otherwise (an overlay at ~/school/overlay/ does not get ~/school/)."""
    tree = tmp_path / "tree"
    (tree / "tests" / "profiles").mkdir(parents=True)
    for f in pack_files([DEFAULT_RULES_DIR]):
        shutil.copy(f, tree / f.name)
    shutil.copy(DEFAULT_RULES_DIR / "tests" / "profiles" / QUIET_STAR, tree / "tests" / "profiles" / QUIET_STAR)
    sub = tree / "sub"
    (sub / "tests").mkdir(parents=True)
    shutil.copy(OVERLAY / "northfield.yaml", sub / "northfield.yaml")
    path = write_cases(sub / "tests" / "t.yaml", [("parent profile", f"../../tests/profiles/{QUIET_STAR}")])
    assert own_folder(path, [tree, sub]) == tree.resolve()
    assert own_folder(path, [DEFAULT_RULES_DIR, sub]) == sub.resolve()
    outcome = run([tree, sub])
    assert [r.case.case.name for r in outcome.results] == ["parent profile"]
    with pytest.raises(PackTestError) as info:
        run([DEFAULT_RULES_DIR, sub])
    assert refused(info.value.diagnostics, path, "parent profile", f"../../tests/profiles/{QUIET_STAR}")


def test_the_shipped_pack_tests_still_read_their_profiles(runner):
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), str(OVERLAY)])
    assert result.exit_code == 0, result.output[-2000:]
    assert "outside the pack's folder" not in result.output


def test_a_yml_test_file_beside_the_pack_is_run_as_a_yaml_one_is(school, runner):
    """Packs are read in both spellings; their tests are too, or a .yml file's cases would
    never run and the summary would not say so."""
    overlay = school / "overlay"
    path = write_cases(overlay / "tests" / "more.yml", [("spelt yml", f"profiles/{QUIET_STAR}")])
    path.write_text(path.read_text().replace("covers: [core]", "covers: [northfield]"))
    result = runner.invoke(main, ["test", str(DEFAULT_RULES_DIR), str(overlay / "northfield.yaml")])
    assert "spelt yml" in result.output, result.output
