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


def test_a_contact_time_reads_as_eastern_clock_text(program):
    profile = Profile.model_validate({"schema": "soaprules/profile@1",
                                      "status": {"phase": "soap", "soap_eligible": True,
                                                 "now": "2026-03-18T15:00:00+00:00"},
                                      "soap_week": {"program_contacts": [
                                          {"program": "Riverbend FM (P-1)", "applied": True,
                                           "at": "2026-03-18T13:40:00+00:00"}]}})
    item = next(r for r in advise(profile, program)["recommendations"] if r["id"] == "sw-reply-and-advocate")
    assert "Wednesday 18 March 2026, 09:40 ET" in item["text"] and "+00:00" not in item["text"]
