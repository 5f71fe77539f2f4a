"""The rule-pack file format, `soaprules/pack@1`, as pydantic models.

These models check the *shape* of a pack (keys, types, enums); the condition language
under `when:` is parsed and type-checked against the profile by `conditions.py`.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

PACK_SCHEMA = "soaprules/pack@1"
Scalar = Union[bool, int, str]
Topic = Literal["specialty_strategy", "geography", "red_flag_framing", "advocacy", "alumni_outreach",
                "program_outreach", "communication", "packet", "timing", "reputation", "mentorship",
                "gap_year", "autopsy", "policy"]
Priority = Literal["critical", "high", "medium", "low"]
ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Source(Strict):
    seed: str = Field(description="Seed file name (e.g. 003_630423e79144373b.txt), or nrmp for NRMP policy.")
    quote: str = Field(min_length=3, max_length=300, description="A short quote from the source.")
    document: Optional[str] = Field(default=None, description="For seed nrmp: the NRMP document's title.")
    year: Optional[int] = Field(default=None, ge=2000, le=2100, description="For seed nrmp: its edition year.")
    section: Optional[str] = Field(default=None, description="For seed nrmp: the section quoted.")


class Recommend(Strict):
    id: Optional[str] = Field(default=None, pattern=ID_PATTERN, description="Defaults to the rule id.")
    topic: Topic
    priority: Priority
    rank: int = Field(default=50, ge=0, le=100, description="Importance within its priority, 100 most "
                      "important; reports order by priority, then rank (never by file order).")
    text: str = Field(min_length=1, description="Advice; {path} interpolates profile values.")
    draft: Optional[str] = Field(default=None, description="A message draft the student adapts.")
    due: Optional[str] = Field(default=None, description="The calendar milestone this must be done by "
                               "(e.g. programs_review), or none when it has no deadline; unset, the report "
                               "uses the next milestone.")
    contacts_program: bool = Field(default=False, description="The advice involves contacting a program "
                                                               "(NRMP SOAP communication rules apply).")
    supersedes: list[str] = Field(default_factory=list, description="Recommendation ids this item says "
                                  "within itself, better fitted; when both would be given, only this one is "
                                  "(the other is listed as set aside).")
    restated_by: list[str] = Field(default_factory=list, description="In a policy pack (NRMP): the ids of "
                                   "other packs' items that say this one in their own words and may supersede "
                                   "it. No other pack's item sets a policy item aside.")
    contradicts: list[str] = Field(default_factory=list, description="Recommendation ids whose advice "
                                   "pulls the other way; one report never holds both (checked by tests).")


class Then(Strict):
    derive: dict[str, Scalar] = Field(default_factory=dict, description="Derived facts to assert.")
    decide: dict[str, Scalar] = Field(default_factory=dict, description="Decision values to propose.")
    recommend: Optional[Recommend] = None
    bound: Optional[str] = Field(default=None, description="Policy text attached to every recommendation "
                                                           "that contacts a program while this rule holds.")


class Rule(Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    rationale: Optional[str] = Field(default=None, description="Why, in plain words, for explanations.")
    salience: Union[int, str] = Field(default=0, description="Strength of this rule's decision claims: 0..1000, "
                                      "or a name from some pack's `strengths:` (overrides, demotes...).")
    when: Any = Field(description="Condition: all / any / not / some / none / count / path tests.")
    then: Then
    cites: list[str] = Field(min_length=1, description="Heuristic IDs, e.g. RS-04.")
    sources: list[Source] = Field(min_length=1)


class TableRow(Strict):
    id: str = Field(pattern=ID_PATTERN, description="The row's rule is `<table id>-<row id>`.")
    title: Optional[str] = Field(default=None, description="The row's own title (default: the table's).")
    when: Any = Field(description="With the table's `input`: a test of it (a value, a list, {in: ...}); "
                                  "without: a condition, as a rule's `when:`.")
    then: Then
    cites: list[str] = Field(default_factory=list, description="Heuristic IDs beyond the table's.")
    sources: list[Source] = Field(default_factory=list, description="Sources of the row (default: the table's).")


class Table(Strict):
    """A decision table: rows of condition -> conclusion, each row one rule. `hit` says how
    rows relate: `unique` (no two rows hold at once; overlapping rows are refused where the
    values can be compared) or `first` (a row holds only when no earlier row does)."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    rationale: Optional[str] = None
    hit: Literal["unique", "first"] = "unique"
    input: Optional[str] = Field(default=None, description="The profile path every row tests.")
    salience: Union[int, str] = 0
    rows: list[TableRow] = Field(min_length=1)
    cites: list[str] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)


class BoardPiles(Strict):
    """How a dean's board shows a decision's values: a short name per value and, where an
    article gives one, the share of a class it expects at each value."""

    names: dict[Scalar, str] = Field(description="Value -> the pile's short name (1: must save).")
    share: dict[Scalar, int] = Field(default_factory=dict, description="Value -> the percent of a class "
                                     "the article expects there; the shares add up to 100.")
    cites: list[str] = Field(default_factory=list, description="The heuristic IDs the shares come from.")


class Decision(Strict):
    values: list[Scalar] = Field(min_length=1, description="Allowed values, best first.")
    resolve: Literal["worst", "best", "salience"] = Field(
        description="worst/best over the declared order, or the highest salience (ties to the worse).")
    description: Optional[str] = None
    label: Optional[str] = Field(default=None, description="How the report names it (\"Rescue tier\").")
    says: dict[Scalar, str] = Field(default_factory=dict, description="Value -> the plain sentence "
                                    "\"Where you stand\" says for it; a value left out reads 'Label: value.'")
    shown_when: Any = Field(default=None, description="Condition under which \"Where you stand\" shows it "
                            "(always when left out; shown unless it is false): a SOAP tier is not news in a "
                            "gap year, nor to a student NRMP has barred from SOAP.")
    board: Optional[BoardPiles] = Field(default=None, description="Makes this the decision the dean's "
                                        "board sorts by (the first so marked), with its piles' names and shares.")

    @model_validator(mode="before")
    @classmethod
    def _keys_as_values(cls, data):
        """A mapping key `true:` reads as the text 'true' (YAML keys are text or numbers here):
        for a decision whose values are true and false, it is the value true."""
        values = data.get("values") if isinstance(data, dict) else None
        spelled = {{True: "true", False: "false"}[v]: v for v in values or () if isinstance(v, bool)} \
            if isinstance(values, list) else {}
        if not spelled:
            return data

        def rekey(table):
            return {spelled.get(k, k) if isinstance(k, str) else k: v for k, v in table.items()} \
                if isinstance(table, dict) else table
        data = {**data, "says": rekey(data.get("says", {}))}
        board = data.get("board")
        if isinstance(board, dict):
            data["board"] = {**board, **{part: rekey(board[part]) for part in ("names", "share") if part in board}}
        return data


class NotEncoded(Strict):
    id: str
    reason: str = Field(min_length=10)


class Milestone(Strict):
    name: str = Field(pattern=ID_PATTERN)
    at: Any = Field(description="Date-time with UTC offset.")
    label: Optional[str] = Field(default=None, description="How the period from this milestone on reads, "
                                                            "e.g. 'offer round 1 (09:00-11:00 ET)'.")


class Cycle(Strict):
    """One Match cycle's dated milestones, with where they come from."""

    source: str = Field(min_length=10, description="The NRMP document and year the dates come from.")
    provisional: bool = Field(description="true until NRMP publishes this year's schedule.")
    milestones: list[Milestone] = Field(min_length=1, description="Milestones in time order.")


class RuleMilestone(Strict):
    name: str = Field(pattern=ID_PATTERN)
    day: int = Field(ge=-7, le=7, description="Days from Match Day (-4 is the Monday before a Friday).")
    time: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Eastern time, HH:MM.")
    label: Optional[str] = None
    deadline: Optional[str] = Field(default=None, description="How a deadline at this milestone reads in the "
                                    "report's \"Now\" heading, e.g. 'when programs start reviewing'.")


class MatchDayRule(Strict):
    month: int = Field(ge=1, le=12)
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    nth: int = Field(ge=1, le=4, description="Which one of the month, e.g. 3 for the third Friday.")


class CalendarRule(Strict):
    """The calendar of a year with no dated entry, derived from the usual pattern (always provisional)."""

    source: str = Field(min_length=10, description="Where the pattern comes from.")
    match_day: MatchDayRule
    milestones: list[RuleMilestone] = Field(min_length=1)


class Clock(Strict):
    """What the calendar says of the phase, so a stated phase that disagrees can be caught."""

    phase_from: dict[str, str] = Field(description="Milestone name -> the phase the calendar implies from it on.")
    agrees: dict[str, list[str]] = Field(description="Calendar phase -> the stated phases consistent with it.")
    restrictive: list[str] = Field(min_length=1, description="Phases, most restrictive first: on disagreement "
                                                             "the advice reads the more restrictive one.")


class Lever(Strict):
    """A profile field what-if may change, or that it must leave alone (checked in levers.py)."""

    path: str = Field(description="Profile path, list-entry path (red_flags[].disclosed) or section.* "
                                  "(only for actionable: false).")
    actionable: bool = Field(description="Whether the student can change this field at all.")
    reason: str = Field(min_length=10, description="Why it can or cannot be changed, in plain words.")
    title: Optional[str] = Field(default=None, description="How the change reads, e.g. 'Open to any region'.")
    values: Optional[Union[list[Union[Scalar, list[Scalar]]], str]] = Field(
        default=None, description="Allowed values, or $param; defaults to every value of a choice or true/false.")
    change: Optional[Literal["set", "add"]] = Field(
        default=None, description="set the field (default), or add one value to a list of choices.")


class UnreadField(Strict):
    """A profile field no rule reads, on purpose (checked by `soaprules lint --strict`)."""

    path: str = Field(description="Profile path (applicant.id) or list-entry path (red_flags[].reason).")
    reason: str = Field(min_length=10, description="Why no rule acts on it, in plain words.")


class Silence(Strict):
    """Once `when` holds, the advice of every pack is set aside except the ids kept: for a
    fact that ends the whole question (an accepted SOAP offer ends the search), said once
    instead of as a gate repeated in every rule. Applied after the run, so it changes what
    is recommended, never what is derived or decided (see rule-packs.md)."""

    name: str = Field(pattern=ID_PATTERN, description="Shown in explanations: what set the advice aside.")
    when: Any = Field(description="Condition (usually on a derived fact) that ends the advice.")
    keep: list[str] = Field(min_length=1, description="Recommendation ids that still stand once it holds.")
    reason: str = Field(min_length=10, description="Why the rest no longer applies, in plain words.")


class Disable(Strict):
    """An overlay switching off a rule of a pack it extends (checked in overlay.py)."""

    id: str = Field(pattern=ID_PATTERN, description="Id of the rule to switch off.")
    reason: str = Field(min_length=10, description="Why this school does not want the rule, in plain words.")


class Pack(Strict):
    pack: Literal["soaprules/pack@1"] = Field(description="Pack format version.")
    name: str = Field(pattern=ID_PATTERN)
    version: str
    description: str
    extends: list[str] = Field(default_factory=list, description="Overlay: names of the packs this pack "
                                                                 "changes; they load first (see authoring.md).")
    override_params: dict[str, Union[Scalar, list[Scalar]]] = Field(
        default_factory=dict, description="Overlay: new values for parameters of the packs it extends.")
    replace: list[Rule] = Field(default_factory=list, description="Overlay: rules that take the place of the "
                                                                  "rules with the same id in the packs it extends.")
    disable: list[Disable] = Field(default_factory=list, description="Overlay: rules of the packs it extends "
                                                                     "to switch off, each with its reason.")
    params: dict[str, Union[Scalar, list[Scalar]]] = Field(default_factory=dict)
    strengths: dict[str, Annotated[int, Field(ge=0, le=1000)]] = Field(default_factory=dict, description="Named saliences, one namespace across "
                                      "packs: `salience: demotes` reads better than 30, and is changed in one place.")
    decisions: dict[str, Decision] = Field(default_factory=dict)
    calendar: dict[int, Cycle] = Field(default_factory=dict, description="Per-year Match Week calendar.")
    calendar_rule: Optional[CalendarRule] = Field(default=None, description="The pattern for years with no entry.")
    clock: Optional[Clock] = Field(default=None, description="The phase the calendar implies (see rule-packs.md).")
    rules: list[Rule] = Field(default_factory=list)
    tables: list[Table] = Field(default_factory=list, description="Decision tables; each row loads as a rule.")
    silences: list[Silence] = Field(default_factory=list, description="Facts that end the advice of every "
                                    "pack but the ids kept (e.g. an accepted SOAP offer; see rule-packs.md).")
    not_encoded: list[NotEncoded] = Field(default_factory=list)
    unread_fields: list[UnreadField] = Field(default_factory=list, description="Profile fields no rule reads, "
                                             "each with the reason (lint --strict reports any other).")
    levers: list[Lever] = Field(default_factory=list, description="Fields what-if may change (see explanations.md).")
