"""What a placeholder says for values a student cannot fill in: a known-empty list is
"none" (the bracket is for what is unknown), and a time is Eastern clock text."""
from __future__ import annotations

from soaprules.lang.templates import render
from soaprules.pipeline import advise
from soaprules.profile.model import Profile


def test_a_known_empty_list_is_none_and_an_unknown_one_a_bracket():
    values = {"target.backup_specialties": [], "target.specialty": None}
    text = render("backups: {target.backup_specialties}; target: {target.specialty}", values.get)
    assert text == "backups: none; target: [specialty]"
    assert render("{target.backup_specialties|none listed}", values.get) == "none listed"


def test_a_contact_time_reads_as_eastern_clock_text(tmp_path):
    """A date-time a text quotes (here a contact's `at`, given in UTC) reads as the Eastern
    clock the whole report speaks in, never as an ISO offset."""
    from soaprules.packs.load import DEFAULT_RULES_DIR
    from soaprules.pipeline import program_for

    pack = tmp_path / "school.yaml"
    pack.write_text("pack: soaprules/pack@1\nname: school\nversion: 1.0.0\ndescription: quotes a time\nrules:\n"
                    "  - id: school-when\n    title: when the program wrote\n"
                    "    when: {some: soap_week.program_contacts, as: c, where: {applied: true}}\n"
                    "    then:\n      recommend:\n        topic: timing\n        priority: low\n"
                    "        text: '{c.program} wrote at {c.at|a time you did not give}.'\n"
                    "    cites: [RB-04]\n    sources: [{seed: nrmp, quote: \"q q q\"}]\n")
    profile = Profile.model_validate({"schema": "soaprules/profile@1",
                                      "status": {"phase": "soap", "soap_eligible": True,
                                                 "now": "2026-03-18T15:00:00+00:00"},
                                      "soap_week": {"program_contacts": [
                                          {"program": "Riverbend FM (P-1)", "applied": True,
                                           "at": "2026-03-18T13:40:00+00:00"}]}})
    advice = advise(profile, program_for([DEFAULT_RULES_DIR, pack]))
    item = next(r for r in advice["recommendations"] if r["id"] == "school-when")
    assert item["text"] == "Riverbend FM (P-1) wrote at Wednesday 18 March 2026, 09:40 ET."
