"""Policy outranks packs: an overlay may not switch off, replace or re-parameterise the
NRMP policy pack, and is refused at load (and by lint) where it tries, with exit 1."""
from __future__ import annotations

import pytest

from soaprules.authoring.lint import lint
from soaprules.cli.main import main
from soaprules.packs.load import DEFAULT_RULES_DIR, load_rulebook
from test_overlay import CORE, NRMP, PROFILES, REPLACEMENT, errors, line_of, overlay

PROFILE = PROFILES / "rs20-quiet-star.yaml"
POLICY_CODE = "pack.overlay-weakens-policy"

WEAKENINGS = [  # (extends, body, the line the error points at, what the message names)
    ("nrmp", "disable:\n  - {id: nr-03-soap-contact-bound, reason: our deans call programs themselves}\n",
     "nr-03-soap-contact-bound", "disable: nr-03-soap-contact-bound"),
    ("nrmp", "disable:\n  - {id: nr-04-ineligible-bound, reason: we advise ineligible students ourselves}\n",
     "nr-04-ineligible-bound", "disable: nr-04-ineligible-bound"),
    ("nrmp", "override_params: {soap_phases: [pre_match]}\n", "soap_phases", "override_params: soap_phases"),
    ("nrmp", "override_params: {soap_application_cap: 60}\n", "soap_application_cap",
     "override_params: soap_application_cap"),
    ("nrmp", "replace:\n" + REPLACEMENT.replace("realism-stretch", "nr-03-soap-contact-bound"),
     "nr-03-soap-contact-bound", "replace: nr-03-soap-contact-bound"),
    # not extending nrmp does not change the answer to "add nrmp to extends:"
    ("core", "override_params: {soap_phases: [soap]}\n", "soap_phases", "override_params: soap_phases"),
    ("core", "disable:\n  - {id: nr-03-soap-contact-bound, reason: our deans call programs themselves}\n",
     "nr-03-soap-contact-bound", "disable: nr-03-soap-contact-bound"),
]


@pytest.mark.parametrize("extends,body,marker,names", WEAKENINGS, ids=lambda v: v if len(str(v)) < 40 else None)
def test_overlay_weakening_policy_is_refused_where_it_says_so(tmp_path, extends, body, marker, names):
    path = overlay(tmp_path, "school", f"extends: [{extends}]\n" + body)
    (diag,) = errors([DEFAULT_RULES_DIR, path])
    assert diag.code == POLICY_CODE and diag.file == str(path)
    assert diag.position.line == line_of(path, marker)
    assert diag.message.startswith(names) and "NRMP policy pack nrmp" in diag.message
    assert "an overlay may not" in diag.message and "Match agreement" in diag.hint


def test_refused_by_advise_and_by_lint_with_exit_1(tmp_path, runner):
    path = overlay(tmp_path, "school", "extends: [nrmp]\n"
                   "disable:\n  - {id: nr-03-soap-contact-bound, reason: our deans call programs themselves}\n"
                   "override_params: {soap_phases: [pre_match]}\n")
    where = [f"{path}:{line_of(path, 'nr-03-soap-contact-bound')}:", f"{path}:{line_of(path, 'soap_phases')}:"]
    result = runner.invoke(main, ["advise", str(PROFILE), "--pack", "rules", "--pack", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert all(w in result.output for w in where), result.output
    result = runner.invoke(main, ["lint", "rules", str(path)])
    assert result.exit_code == 1 and all(w in result.output for w in where), result.output
    report = lint([DEFAULT_RULES_DIR, path])
    assert sorted(f.diagnostic.position.line for f in report.errors) == sorted(int(w.split(":")[1]) for w in where)
    assert all(f.diagnostic.code == POLICY_CODE for f in report.errors)


def test_every_parameter_the_nrmp_rules_read_is_locked(tmp_path):
    """Computed from the rules' reads: each such parameter, overridden, is refused."""
    from soaprules.packs.load import _shape
    from soaprules.packs.overlay import policy_param_reads
    pack, _, rules = _shape(NRMP, [])
    reads = policy_param_reads(pack, rules)
    assert {"soap_phases", "results_out_phases", "soap_application_cap"} <= set(reads)
    assert "rule nr-03-soap-contact-bound" in reads["soap_phases"]
    book = load_rulebook([DEFAULT_RULES_DIR])
    for name in reads:
        path = overlay(tmp_path, f"school-{name.replace('_', '-')}",
                       f"extends: [nrmp]\noverride_params: {{{name}: {book.params[name]!r}}}\n".replace("'", ""))
        (diag,) = errors([DEFAULT_RULES_DIR, path])
        assert diag.code == POLICY_CODE and name in diag.message


def test_non_policy_changes_still_work(tmp_path):
    path = overlay(tmp_path, "school", "extends: [core]\n"
                   "disable:\n  - {id: geography-rigid, reason: our committee disagrees}\n"
                   "override_params: {step2_needs_explaining_below: 225}\n")
    book = load_rulebook([DEFAULT_RULES_DIR, path])
    assert book.rule("geography-rigid") is None and book.params["step2_needs_explaining_below"] == 225
    assert book.rule("nr-03-soap-contact-bound") is not None
    assert {c.target for c in book.overlay.changes} == {"geography-rigid", "step2_needs_explaining_below"}
    assert [f.diagnostic.headline() for f in lint([DEFAULT_RULES_DIR, path]).errors] == []


def test_an_overlay_may_still_add_to_the_policy_pack(tmp_path):
    """Extending nrmp to add a rule of one's own (or a calendar year) weakens nothing."""
    rule = REPLACEMENT.replace("realism-stretch", "school-stricter-note")
    book = load_rulebook([DEFAULT_RULES_DIR, overlay(tmp_path, "school", "extends: [nrmp]\nrules:\n" + rule)])
    assert book.rule("school-stricter-note").pack == "school"
