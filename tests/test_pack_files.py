"""A pack folder's packs are its *.yaml and *.yml files: a .yml overlay skipped would
make diff-packs and lint say that nothing changed. Sub-folders (plan/, tests/) and the
catalog are still not packs."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook, pack_files

from conftest import FIXTURES

NORTHFIELD = Path(__file__).resolve().parent.parent / "examples" / "school-overlay" / "northfield.yaml"


@pytest.fixture
def school(tmp_path) -> Path:
    """The shipped rules folder (plan/ and tests/ in it) with a .yml overlay beside its packs."""
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    shutil.copy(NORTHFIELD, folder / "northfield.yml")
    return folder


def test_a_folders_yml_files_are_packs_and_its_sub_folders_are_not(school):
    names = [f.name for f in pack_files([school])]
    assert "northfield.yml" in names and "heuristics.yaml" not in names
    assert names == sorted(names) and all(f.is_file() and f.parent == school for f in pack_files([school]))
    shipped = [f.name for f in pack_files([DEFAULT_RULES_DIR])]
    assert sorted(names) == sorted(shipped + ["northfield.yml"])  # plan/ and tests/ still left out


@pytest.mark.parametrize("name", ["northfield.yml", "northfield.YML", "northfield.Yaml"])
def test_the_overlay_loads_whatever_its_suffix_is_spelt(tmp_path, name):
    shutil.copy(NORTHFIELD, tmp_path / name)
    book = load_rulebook([DEFAULT_RULES_DIR, tmp_path])
    assert "northfield" in [p.name for p in book.packs] and book.rule("northfield-soap-huddle")


def test_diff_packs_sees_the_yml_overlay(school, runner):
    result = runner.invoke(main, ["diff-packs", str(DEFAULT_RULES_DIR), str(school),
                                  "--profiles", str(FIXTURES / "profiles"), "--exit-code"])
    assert result.exit_code == 3, result.output
    assert "northfield-book-soap-huddle" in result.output and " 0 of " not in result.output


def test_lint_reads_a_bad_yml_pack_of_a_folder(school, runner):
    (school / "broken.yml").write_text("pack: soaprules/pack@1\nname: broken\nversion: '1'\ndescription: d\n"
                                       "rules:\n  - {id: r1, title: t}\n")
    result = runner.invoke(main, ["lint", str(school)])
    assert result.exit_code == 1 and f"{school / 'broken.yml'}:6:" in result.output
