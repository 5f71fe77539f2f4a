"""The house rules of docs/architecture.md, checked on the source: the folders are stages
of one data flow, and an import only runs down it (or within a stage), never up, and
never in a cycle; one module reads profile paths; condition trees are walked by the
toolkit and the few modules named here, each for a reason.

Imports inside functions count: a cycle hidden in a function is still a cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from soaprules.authoring.lint import strongly_connected

PACKAGE = Path(__file__).resolve().parent.parent / "soaprules"

# The stages, in the order data flows (DESIGN.md): input, language, packs, engine, advice,
# explanations, renderers, the tools built on them, and the command line that wires them.
STAGES = [
    {"errors", "suggest", "files", "source", "diagnose"},  # base: what every stage may use
    {"profile"},
    {"lang"},
    {"packs"},
    {"engine"},
    {"advice", "pipeline"},
    {"explain"},
    {"render"},
    {"authoring", "assess", "cohort", "audit", "plan"},
    {"cli", "__main__"},
]
# Condition nodes are walked by the toolkit (lang/analysis.py). The others that dispatch on
# node types do so for a reason of their own:
WALKERS = {
    "soaprules.lang.conditions": "parses the trees (and builds the aggregate key)",
    "soaprules.lang.analysis": "the toolkit: reads, writes, leaves, describe, canonical",
    "soaprules.lang.evaluate": "the reference evaluator: a verdict per node type",
    "soaprules.engine.compile": "the compiler: a durable-rules pattern per node type",
    "soaprules.explain.whynot": "a verdict row per node, beside the evaluator's value",
    "soaprules.authoring.lint": "feasibility: the values a field may still take, per conjunction",
}
COMPOSITE_NODES = {"All", "Any_", "Not", "Some", "Count"}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def imports(name: str) -> set[str]:
    """The package modules `name` imports, anywhere in it (module level or in a function)."""
    out = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{name}: relative import; the house uses absolute ones")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("soaprules"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("soaprules")}
    return {m for m in out if m in MODULES and m != name}


def stage(name: str) -> int:
    parts = name.split(".")
    top = parts[1] if len(parts) > 1 else "errors"  # the package itself holds only the version
    return next(i for i, rooms in enumerate(STAGES) if top in rooms)


def cycles(graph: dict) -> list[list[str]]:
    """Strongly connected components of more than one module (lint's Tarjan, which finds rule loops)."""
    return sorted(sorted(c) for c in strongly_connected(graph) if len(c) > 1)


GRAPH = {name: imports(name) for name in MODULES}


def test_every_module_has_a_stage():
    for name in MODULES:
        stage(name)  # StopIteration names a folder the stages do not know


def test_no_import_cycle():
    assert cycles(GRAPH) == []


def test_the_cycle_finder_finds_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_no_import_runs_up_the_data_flow():
    upward = sorted(f"{m} -> {d}" for m, deps in GRAPH.items() for d in deps if stage(d) > stage(m))
    assert upward == []


def test_nothing_imports_the_command_line():
    assert sorted(m for m, deps in GRAPH.items() if "soaprules.cli.main" in deps and m != "soaprules.__main__") == []


def _walks_conditions(tree: ast.AST) -> bool:
    """An isinstance check against a composite condition node (cond.All, cond.Some...)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance" and len(node.args) == 2:
            kinds = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(getattr(k, "attr", getattr(k, "id", None)) in COMPOSITE_NODES for k in kinds):
                return True
    return False


def test_condition_trees_are_walked_only_where_named():
    walkers = {name for name, tree in TREES.items() if _walks_conditions(tree)}
    assert walkers <= set(WALKERS) | {"soaprules.lang.conditions"}, sorted(walkers - set(WALKERS))


def test_the_walker_check_sees_a_walk():
    assert _walks_conditions(ast.parse("if isinstance(node, (cond.All, cond.Any_)): pass"))
    assert not _walks_conditions(ast.parse("if isinstance(node, dict): pass"))


def _reads_paths(tree: ast.AST) -> bool:
    """A loop over `path.split(".")` that steps into the data with `.get(part)` or `[part]`."""
    for loop in ast.walk(tree):
        if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call)
                and getattr(loop.iter.func, "attr", None) == "split" and loop.iter.args
                and isinstance(loop.iter.args[0], ast.Constant) and loop.iter.args[0].value == "."):
            continue
        step = getattr(loop.target, "id", None)
        for node in ast.walk(loop):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "get" and node.args \
                    and getattr(node.args[0], "id", None) == step:
                return True
            if isinstance(node, ast.Subscript) and getattr(node.slice, "id", None) == step:
                return True
    return False


def test_one_module_reads_profile_paths():
    readers = sorted(name for name, tree in TREES.items() if _reads_paths(tree))
    assert readers == [], "read profile data through soaprules.profile.paths: " + ", ".join(readers)


def test_the_path_check_sees_a_reader():
    assert _reads_paths(ast.parse('for part in path.split("."):\n    node = node.get(part)'))
    assert _reads_paths(ast.parse('for part in name.split("."):\n    node = node[part]'))
    assert not _reads_paths(ast.parse('for part in path.split("."):\n    print(part)'))


@pytest.mark.parametrize("name", sorted(WALKERS))
def test_each_named_walker_still_exists(name):
    assert name in MODULES  # a module renamed or gone: update the list, do not let it rot
