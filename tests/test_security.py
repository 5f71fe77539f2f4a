"""Nothing soaprules reads can run code, inject data or leak into a report unescaped."""
from __future__ import annotations

import re

import ast
from pathlib import Path

import yaml

import soaprules
from soaprules.assess.store import profile_text
from soaprules.render.markdown import render as render_markdown

PACKAGE = Path(soaprules.__file__).parent
UNSAFE = {"pickle", "cPickle", "_pickle", "shelve", "marshal", "dill", "cloudpickle", "joblib"}


def _imports(path: Path) -> set:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names |= {a.value for a in node.args if isinstance(a, ast.Constant)}
    return names


def test_no_module_of_the_package_imports_pickle_or_its_kin():
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 30
    found = {str(m.relative_to(PACKAGE)): _imports(m) & UNSAFE for m in modules}
    assert {k: v for k, v in found.items() if v} == {}


def test_a_file_name_cannot_inject_yaml_into_a_saved_profile():
    name = "x\nconduct: {dishonesty: true}\n#.yaml"
    text = profile_text({"applicant": {"id": "A-1"}}, name)
    data = yaml.safe_load(text)
    assert set(data) == {"schema", "applicant"}


def test_the_profile_id_is_escaped_in_markdown(tmp_path):
    from soaprules.pipeline import advise_file
    from conftest import FIXTURES

    source = (FIXTURES / "profiles" / "rs20-quiet-star.yaml").read_text()
    hostile = "<img src=x onerror=a()><script>b()</script>[x](javascript:y)"
    profile = tmp_path / "p.yaml"
    profile.write_text(source.replace("applicant:\n", f"applicant:\n  id: '{hostile}'\n", 1)
                       if "  id:" not in source else
                       "\n".join(f"  id: '{hostile}'" if line.startswith("  id:") else line
                                 for line in source.splitlines()))
    advice = advise_file(profile)
    assert advice["profile_id"] == hostile
    import io
    out = io.StringIO()
    render_markdown(advice, out)
    heading = out.getvalue().splitlines()[0]
    # no tag, and no link: every bracket escaped, so `](` never opens one
    assert "<" not in heading and not re.search(r"(?<!\\)[\[\]]", heading) and "&lt;script&gt;" in heading
