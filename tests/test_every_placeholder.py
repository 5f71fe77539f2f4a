"""`{every alias.field}`: a text names the field of every entry its list test matches,
not only the entry the engine bound (a report that names one hidden flag of two leaves
the other hidden)."""
from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings, strategies as st

from soaprules.errors import PackError
from soaprules.packs.load import load_rulebook
from soaprules.pipeline import advise, program_for
from soaprules.profile.model import Profile

from test_pack_errors import HEADER

KINDS = ["exam_failure", "leave_of_absence", "professionalism", "remediation", "course_repeat"]


def _pack(tmp_path, text: str):
    path = tmp_path / "every.yaml"
    path.write_text(HEADER + textwrap.dedent(f"""\
        rules:
          - id: hidden-flags
            title: Flags no one has heard of
            when:
              some: red_flags
              as: hidden
              where: {{disclosed: false}}
            then:
              recommend: {{topic: red_flag_framing, priority: high, text: "{text}"}}
            cites: [FA-19]
            sources: [{{seed: nrmp, quote: "a quote"}}]
        """))
    return path


def _profile(flags: list[dict]) -> Profile:
    return Profile.model_validate({"schema": "soaprules/profile@1", "status": {"phase": "soap"},
                                   "red_flags": flags})


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    return program_for([_pack(tmp_path_factory.mktemp("every"), "Tell them: {every hidden.kind}.")])


def _texts(program, flags) -> list[str]:
    return [r["text"] for r in advise(_profile(flags), program)["recommendations"] if r["rule"] == "hidden-flags"]


flag = st.fixed_dictionaries({"kind": st.sampled_from(KINDS), "disclosed": st.booleans()})


@settings(max_examples=60, deadline=None)
@given(flags=st.lists(flag, max_size=5))
def test_every_matching_entry_is_named_once_in_list_order(program, flags):
    hidden = list(dict.fromkeys(f["kind"] for f in flags if not f["disclosed"]))
    texts = _texts(program, flags)
    if not hidden:
        assert texts == []
        return
    words = [k.replace("_", " ") for k in hidden]
    expected = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    assert texts == [f"Tell them: {expected}."]


def test_a_disclosed_flag_before_the_hidden_ones_is_not_named(program):
    flags = [{"kind": "remediation", "disclosed": True}, {"kind": "exam_failure", "disclosed": False},
             {"kind": "professionalism", "disclosed": False}]
    assert _texts(program, flags) == ["Tell them: exam failure and professionalism."]


@pytest.mark.parametrize("text, suggestion", [("{every hiden.kind}", "hidden"), ("{every hidden}", "hidden")])
def test_an_every_placeholder_without_its_alias_and_field_is_refused_where_it_stands(tmp_path, text, suggestion):
    with pytest.raises(PackError) as info:
        load_rulebook([_pack(tmp_path, text)])
    [diag] = info.value.diagnostics
    assert diag.rule_id == "hidden-flags" and diag.position is not None and diag.position.line > 1
    assert f"placeholder {text}" in diag.message and diag.suggestion == suggestion


def test_the_shipped_disclosure_advice_names_every_undisclosed_flag():
    flags = [{"kind": "exam_failure", "count": 1, "resolved": True, "disclosed": False},
             {"kind": "professionalism", "count": 1, "resolved": False, "disclosed": False}]
    for phase, rule in (("soap", "fa-19-disclose-now"), ("gap_year", "fa-19-disclose-early")):
        profile = Profile.model_validate({"schema": "soaprules/profile@1", "red_flags": flags,
                                          "status": {"phase": phase, "match_result": "unmatched"}})
        [text] = [r["text"] for r in advise(profile, program_for())["recommendations"] if r["rule"] == rule]
        assert "exam failure and professionalism" in text, text


@pytest.mark.parametrize("text", ["Your {target.specialty plan", "A stray } here", "{every hidden.kind"])
def test_a_brace_that_opens_or_closes_no_placeholder_is_refused_where_it_stands(tmp_path, text):
    # Unclosed, it would reach the student as written: "Your {target.specialty plan".
    with pytest.raises(PackError) as info:
        load_rulebook([_pack(tmp_path, text)])
    assert any("opens or closes no placeholder" in d.message and d.rule_id == "hidden-flags"
               for d in info.value.diagnostics)
