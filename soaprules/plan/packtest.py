"""Plan pack tests (soaprules/plan-tests@1): profiles, a few programs, and the verdict
and deciding rule each program must get. They live beside the plan pack
(rules/plan/tests/), apart from the advice packs' tests, which `soaprules test` runs.

    tests: soaprules/plan-tests@1
    defaults: {name: Synthetic X, city: Testville, state: OH, positions: 2, service: ERAS}
    cases:
      - name: no sponsorship for a student who needs a visa
        profile: ../../tests/profiles/visa-img-weak-school.yaml   # relative to this file
        with: {geography.regions: [any]}                          # optional dotted overrides
        programs:
          - {code: T1, specialty: internal_medicine, position_type: categorical, visa: none}
        expect:
          T1: {verdict: skip, rule: skip-no-visa-sponsorship}
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from soaprules.errors import AnswerError, Diagnostic, PackError
from soaprules.profile import paths
from soaprules.packs.load import DEFAULT_RULES_DIR
from soaprules.profile.model import Profile
from soaprules.source import format_path, load_document
from soaprules.plan.programs import ProgramList, _checked
from soaprules.plan.run import plan_profile

FORMAT = "soaprules/plan-tests@1"
DEFAULT_TESTS = DEFAULT_RULES_DIR / "plan" / "tests"


@dataclass(frozen=True)
class Failure:
    case: str
    message: str


def run_file(path: Path, matcher: str = "engine", plan_pack: Path | None = None) -> tuple[list[Failure], set]:
    """Failures of every case, and the ids of the rules that held in any case (coverage).
    A malformed case, or a profile outside the plan pack's rule tree, is a positioned error."""
    doc = load_document(path)
    data = doc.data
    if not isinstance(data, dict) or data.get("tests") != FORMAT:
        raise PackError(doc.diagnostic((), "not a plan test file", expected=f"tests: {FORMAT}"))
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        raise PackError(doc.diagnostic(("cases",) if "cases" in data else (), "cases must be a non-empty list"))
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise PackError(doc.diagnostic(("defaults",), "defaults must be a mapping of program columns"))
    root = _own_tree(path)
    failures, fired = [], set()
    for k, case in enumerate(cases):
        _check_case(doc, k, case, root, path)
        name = case.get("name", f"case {k}")
        profile = _profile(path.parent / case["profile"], case.get("with", {}))
        rows = [(i + 1, {c: (str(v).lower() if isinstance(v, bool) else str(v), 1)
                         for c, v in {**defaults, **p}.items()})
                for i, p in enumerate(case["programs"])]
        programs = ProgramList(f"{path}#{name}", _checked(rows, str(path), _regions()))
        run = plan_profile(profile, None, plan_pack=plan_pack, programs=programs, matcher=matcher)
        for ids in run.matched.values():
            fired |= ids
        for code, want in case.get("expect", {}).items():
            got = run.verdict(str(code))
            if got is None:
                failures.append(Failure(name, f"{code} is not among the case's programs"))
                continue
            if got.verdict != want["verdict"]:
                failures.append(Failure(name, f"{code}: verdict {got.verdict} (by {got.deciding}), "
                                              f"expected {want['verdict']}"))
            if "rule" in want and want["rule"] not in {r.rule for r in got.reasons}:
                failures.append(Failure(name, f"{code}: {want['rule']} is not among its reasons "
                                              f"({', '.join(r.rule for r in got.reasons)})"))
            for rule in want.get("fires", []):
                if rule not in run.matched[str(code)]:
                    failures.append(Failure(name, f"{code}: rule {rule} did not hold"))
    return failures, fired


def _own_tree(test_file: Path) -> Path:
    """A plan pack sits in a folder of a rule-pack tree (rules/plan/); its tests may read the
    tree's profiles (rules/tests/profiles/) and nothing outside it."""
    return test_file.resolve().parent.parent.parent


def _check_case(doc, k: int, case, root: Path, path: Path) -> None:
    at = ("cases", k)
    if not isinstance(case, dict):
        raise PackError(doc.diagnostic(at, "a case must be a mapping with name, profile, programs and expect"))
    for key, kind, word in (("profile", str, "a file path"), ("programs", list, "a list of programs"),
                            ("expect", dict, "a mapping of program code to verdict")):
        if not isinstance(case.get(key), kind):
            raise PackError(doc.diagnostic(at + ((key,) if key in case else ()), f"case {k + 1} needs {key}: {word}"))
    if not all(isinstance(p, dict) for p in case["programs"]):
        raise PackError(doc.diagnostic(at + ("programs",), "each program must be a mapping of columns"))
    if not all(isinstance(w, dict) and "verdict" in w for w in case["expect"].values()):
        raise PackError(doc.diagnostic(at + ("expect",), "each expectation needs a verdict"))
    if not isinstance(case.get("with", {}), dict):
        raise PackError(doc.diagnostic(at + ("with",), "with: must map dotted profile paths to values"))
    target = (path.parent / case["profile"]).resolve()
    if not target.is_relative_to(root):
        raise PackError(doc.diagnostic(at + ("profile",), f"the profile {case['profile']} is outside the pack's "
                                       f"folder {root}", hint="keep test profiles inside the rule-pack tree"))
    if not target.is_file():
        raise PackError(doc.diagnostic(at + ("profile",), f"no profile file {case['profile']}"))


def _regions() -> dict:
    from soaprules.plan.pack import DEFAULT_PLAN
    regions = load_document(DEFAULT_PLAN).data["regions"]
    return {s: r for r, states in regions.items() for s in states}


def _profile(path: Path, overrides: dict) -> Profile:
    data = load_document(path).data  # paths.put copies: the parsed document is never changed
    try:
        for dotted, value in overrides.items():
            data = paths.put(data, dotted, value)
        return Profile.model_validate(data)
    except AnswerError as exc:  # a test file's mistake, reported as such
        raise PackError(Diagnostic(f"case profile {path.name}: {exc}", file=str(path))) from None
    except ValidationError as exc:
        wrong = ", ".join(f"{format_path(e['loc'])} ({e['type']})" for e in exc.errors())
        raise PackError(Diagnostic(f"case profile {path.name} with {overrides} is not a valid profile: {wrong}",
                                   file=str(path))) from None
