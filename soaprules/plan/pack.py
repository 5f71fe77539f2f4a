"""Load the plan pack (soaprules/plan@1): shape, then conditions in the pack language
with program.* paths, then cross-checks. Every error is collected and positioned, and
nothing is planned until the pack loads cleanly, as for the advice packs."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from soaprules.lang import conditions as cond
from soaprules.lang import analysis
from soaprules.errors import PackError
from soaprules.packs.load import CITE_PATTERN, DEFAULT_RULES_DIR, RuleBook, load_catalog
from soaprules.packs.model import Decision, Source
from soaprules.profile.fields import FieldSpec, item_fields, profile_fields
from soaprules.source import Document, load_document
from soaprules.suggest import closest, one_of
from soaprules.lang.templates import placeholders
from soaprules.diagnose import to_diagnostics
from soaprules.plan.programs import BY_NAME, COLUMNS

SERVICES = BY_NAME["service"].values

FORMAT = "soaprules/plan@1"
DEFAULT_PLAN = DEFAULT_RULES_DIR / "plan" / "plan.yaml"
ID_PATTERN = r"^[a-z][a-z0-9-]*$"
Scalar = Union[bool, int, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NrmpParam(_Strict):
    value: Scalar
    source: Literal["nrmp"]
    year: int = Field(ge=2000, le=2100)
    provisional: bool


class Join(_Strict):
    field: str = Field(description="A program column.")
    profile: list[str] = Field(min_length=1, description="Profile paths whose values the field is looked up in.")


class Otherwise(_Strict):
    verdict: str
    reason: str = Field(min_length=1)
    cites: list[str] = Field(min_length=1)


class PlanThen(_Strict):
    verdict: Optional[str] = None
    weight: Union[int, str, None] = Field(default=None, description="A whole number or $param: ranks proposals.")
    reason: str = Field(min_length=1, max_length=200, description="One line; {program.FIELD} and profile placeholders.")


class PlanRule(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    rationale: Optional[str] = None
    when: Any
    then: PlanThen
    cites: list[str] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)


class PlanPackModel(_Strict):
    pack: Literal["soaprules/plan@1"]
    name: str = Field(pattern=ID_PATTERN)
    version: str
    description: str
    params: dict[str, Union[Scalar, list[Scalar], NrmpParam]] = Field(default_factory=dict)
    verdict: Decision
    otherwise: Otherwise
    joins: dict[str, Join] = Field(default_factory=dict)
    sent: dict[str, str] = Field(default_factory=dict, description="Service -> the profile count of "
                                 "applications already sent through it.")
    regions: dict[str, list[str]]
    rules: list[PlanRule] = Field(min_length=1)


@dataclass(frozen=True)
class PlanRuleLoaded:
    id: str
    title: str
    rationale: str | None
    when: object  # conditions.Node
    verdict: str | None
    weight: int
    reason: str
    cites: tuple
    sources: tuple
    file: str
    line: int
    index: int
    salience: int = 0  # what compile.EngineRule reads of a rule


@dataclass(frozen=True)
class PlanPack:
    name: str
    version: str
    file: str
    text: str
    params: dict  # name -> plain value
    verdict: Decision
    otherwise: Otherwise
    joins: dict  # name -> Join
    sent: dict  # service -> profile path of the applications already sent
    regions: dict  # state -> region
    rules: tuple  # PlanRuleLoaded

    @property
    def cap(self) -> int:
        return int(self.params["applications_per_service"])

    @property
    def targeted(self) -> int:
        return int(self.params["targeted_applications"])

    def rule(self, rule_id: str) -> PlanRuleLoaded | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def program_fields(joins: dict, regions: dict) -> dict[str, FieldSpec]:
    """What a plan rule may read of a program: the list's columns, the derived region and
    the declared joins."""
    kinds = {"code": "str", "str": "str", "state": "enum", "int": "int", "bool": "bool", "enum": "enum"}
    out = {}
    for c in COLUMNS:
        values = tuple(v for v in c.values if v != "unknown")
        if c.kind == "state":
            values = tuple(sorted(regions))
        out[f"program.{c.name}"] = FieldSpec(f"program.{c.name}", kinds[c.kind], values)
    out["program.region"] = FieldSpec("program.region", "enum", tuple(sorted(set(regions.values()))))
    for name in joins:
        out[f"program.{name}"] = FieldSpec(f"program.{name}", "bool")
    return out


def load_plan_pack(book: RuleBook, path: str | Path | None = None) -> PlanPack:
    """The plan pack at `path` (default: the shipped one), checked against the advice
    packs' decisions and calendar, which its rules may read. Kept on the book, by file,
    so a batch or a what-if loop parses it once (and it goes when the book goes)."""
    path = Path(path or DEFAULT_PLAN)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None  # let the loader report the unreadable file, positioned
    loaded = book.memo.setdefault("plan_packs", {})
    if key is not None and key in loaded:
        return loaded[key]
    pack = _load(book, path)
    if key is not None:
        loaded[key] = pack
    return pack


def _load(book: RuleBook, path: Path) -> PlanPack:
    doc = load_document(path)
    errors: list = []
    try:
        model = PlanPackModel.model_validate(doc.data)
    except ValidationError as exc:
        raise PackError(to_diagnostics(doc, exc.errors(), PlanPackModel)) from None
    params = {k: (v.value if isinstance(v, NrmpParam) else v) for k, v in model.params.items()}
    regions = _regions(model, doc, errors)
    _check_joins(model, doc, errors)
    _check_sent(model, doc, errors)
    _check_verdicts(model, doc, params, errors)
    ctx_fields = program_fields(model.joins, regions)
    catalog = load_catalog()
    rules = []
    seen: dict = {}
    for i, raw in enumerate(model.rules):
        at = ("rules", i)
        if raw.id in seen:
            errors.append(doc.diagnostic(at + ("id",), f"rule id '{raw.id}' is used twice (first at rules[{seen[raw.id]}])",
                                         rule_id=raw.id))
        seen.setdefault(raw.id, i)
        ctx = cond.Context(doc, params, book.decisions, book.milestones, rule_id=raw.id, extra_fields=ctx_fields)
        when = cond.parse(doc.data["rules"][i]["when"], at + ("when",), ctx)
        errors += ctx.errors
        _check_rule(raw, at, doc, catalog, ctx_fields, params, when, errors)
        weight = params.get(raw.then.weight[1:]) if isinstance(raw.then.weight, str) else raw.then.weight
        pos = doc.position_of(at)
        rules.append(PlanRuleLoaded(raw.id, raw.title, raw.rationale, when, raw.then.verdict, int(weight or 0),
                                    raw.then.reason, tuple(raw.cites), tuple(raw.sources), str(path),
                                    pos.line if pos else 1, i))
    if errors:
        raise PackError(errors)
    return PlanPack(model.name, model.version, str(path), doc.text, params, model.verdict, model.otherwise,
                    dict(model.joins), dict(model.sent), regions, tuple(rules))


def _regions(model: PlanPackModel, doc: Document, errors: list) -> dict:
    allowed = [v for v in profile_fields()["geography.regions"].values if v != "any"]
    out: dict = {}
    for region, states in model.regions.items():
        if region not in allowed:
            errors.append(doc.diagnostic(("regions", region), f"'{region}' is not a region of geography.regions",
                                         at_key=True, expected=one_of(allowed),
                                         suggestion=closest(region, allowed)))
        for k, state in enumerate(states):
            if state in out:
                errors.append(doc.diagnostic(("regions", region, k), f"{state} is already in {out[state]}"))
            out.setdefault(state, region)
    return out


def _check_joins(model: PlanPackModel, doc: Document, errors: list) -> None:
    fields = profile_fields()
    columns = [c.name for c in COLUMNS] + ["region"]
    for name, join in model.joins.items():
        at = ("joins", name)
        if not name.isidentifier() or name in columns:
            errors.append(doc.diagnostic(at, f"'{name}' cannot name a join", at_key=True,
                                         expected="a new word, not a column name"))
        if join.field not in columns:
            errors.append(doc.diagnostic(at + ("field",), f"'{join.field}' is not a program column",
                                         expected=one_of(columns), suggestion=closest(join.field, columns)))
        for k, path in enumerate(join.profile):
            spec = _profile_spec(path)
            if spec is None or spec.kind not in ("enum", "enum_list", "str"):
                errors.append(doc.diagnostic(at + ("profile", k), f"'{path}' is not a profile value or list of values",
                                             suggestion=closest(path, fields)))


def _profile_spec(path: str) -> FieldSpec | None:
    """The spec of a profile path, also one that runs into a list's entries."""
    fields = profile_fields()
    if path in fields:
        return fields[path]
    head, _, leaf = path.rpartition(".")
    if fields.get(head) is not None and fields[head].kind == "items":
        return item_fields(head).get(leaf)
    return None


def _check_sent(model: PlanPackModel, doc: Document, errors: list) -> None:
    for service, path in model.sent.items():
        if service not in SERVICES:
            errors.append(doc.diagnostic(("sent", service), f"'{service}' is not an application service", at_key=True,
                                         expected=one_of(SERVICES), suggestion=closest(service, SERVICES)))
        spec = profile_fields().get(path)
        if spec is None or spec.kind != "int":
            numbers = [p for p, s in profile_fields().items() if s.kind == "int"]
            errors.append(doc.diagnostic(("sent", service), f"'{path}' is not a whole-number profile field",
                                         suggestion=closest(path, numbers)))


def _check_verdicts(model: PlanPackModel, doc: Document, params: dict, errors: list) -> None:
    values = list(model.verdict.values)
    if values != ["apply", "consider", "skip"]:
        errors.append(doc.diagnostic(("verdict", "values"), "the plan's verdicts are apply, consider and skip",
                                     expected="[apply, consider, skip]"))
    if model.otherwise.verdict not in values:
        errors.append(doc.diagnostic(("otherwise", "verdict"), f"'{model.otherwise.verdict}' is not a verdict",
                                     expected=one_of(map(str, values))))
    for name in ("applications_per_service", "targeted_applications"):
        value = params.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(doc.diagnostic(("params", name) if name in params else ("params",),
                                         f"parameter {name} must be a positive whole number"))


def _check_rule(raw: PlanRule, at: tuple, doc: Document, catalog: dict, fields: dict, params: dict, when,
                errors: list) -> None:
    def err(where, message, **kw):
        errors.append(doc.diagnostic(at + where, message, rule_id=raw.id, **kw))

    if raw.then.verdict is None and raw.then.weight is None:
        err(("then",), "a plan rule gives a verdict, a weight, or both", expected="verdict: apply|consider|skip")
    if raw.then.verdict is not None and raw.then.verdict not in ("apply", "consider", "skip"):
        err(("then", "verdict"), f"'{raw.then.verdict}' is not a verdict", expected="apply, consider or skip",
            suggestion=closest(raw.then.verdict, ("apply", "consider", "skip")))
    if raw.then.verdict == "skip" and raw.then.weight is not None:
        err(("then", "weight"), "a skip has no weight: it is never applied to")
    weight = raw.then.weight
    if isinstance(weight, str):
        value = params.get(weight[1:]) if weight.startswith("$") else None
        if not isinstance(value, int) or isinstance(value, bool):
            err(("then", "weight"), f"'{weight}' is not a whole-number parameter",
                suggestion=("$" + s) if (s := closest(weight.lstrip("$"), params)) else None)
    for k, cite in enumerate(raw.cites):
        if not CITE_PATTERN.match(cite) or (catalog and cite not in catalog):
            err(("cites", k), f"'{cite}' is not a heuristic id of the catalog", suggestion=closest(cite, catalog))
    for name in placeholders(raw.then.reason):
        if name.startswith("program.") and name not in fields:
            err(("then", "reason"), f"placeholder '{{{name}}}' is not a program field", suggestion=closest(name, fields))
        elif not name.startswith("program.") and name not in profile_fields() and not name.startswith("$"):
            err(("then", "reason"), f"placeholder '{{{name}}}' is not a profile path or program field")
    if when is not None and not any(isinstance(n, cond.Test) and n.ref.name.startswith("program.")
                                    for n in analysis.walk(when)):
        err(("when",), "a plan rule must test the program (a program.* path)",
            hint="a test of the profile alone belongs in an advice pack")
