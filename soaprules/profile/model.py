"""The applicant profile, contract `soaprules/profile@1` (shared/contracts/profile.example.yaml).

Every field is optional and defaults to None: a missing field means *unknown*, and the
rules that need it do not fire. Field names and enum values are the public interface:
add, never rename. Descriptions feed error messages, JSON Schema and the interview.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_ID = "soaprules/profile@1"
# List lengths are bounded so one profile cannot stall a cohort (40,000 red flags took a
# minute): far above any real applicant, and refused with the field named above them.
MAX_ENTRIES = 100  # entries of one list (faculty, red flags, offers, ...)
MAX_VALUES = 50  # values of one list of choices (regions, signals, ...)
# A Match cycle's clock: a year outside these is a typo, and at the ends of Python's
# range the Eastern clock itself would overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2100
DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # a day as text; every field of this form is checked by `day_text`

Specialty = Literal[
    "family_medicine", "internal_medicine", "pediatrics", "psychiatry", "neurology",
    "emergency_medicine", "obstetrics_gynecology", "general_surgery", "preliminary_surgery",
    "preliminary_medicine", "transitional_year", "anesthesiology", "radiology", "pathology",
    "physical_medicine_rehabilitation", "dermatology", "orthopedic_surgery", "otolaryngology",
    "plastic_surgery", "neurological_surgery", "urology", "ophthalmology", "radiation_oncology",
    "interventional_radiology", "vascular_surgery", "thoracic_surgery",
]
Region = Literal["northeast", "southeast", "midwest", "south", "southwest", "west", "mountain", "any"]
FacultyRole = Literal[
    "program_director", "associate_program_director", "clerkship_director", "chair",
    "research_mentor", "dean", "advisor", "attending", "resident", "coordinator",
]
Descriptor = Literal[
    "reliable", "coachable", "pleasant", "professional", "hardworking", "team_player",
    "unreliable", "late", "difficult", "arrogant", "defensive",
]
Signal = Literal[
    "asked_for_cv", "asked_for_eras", "named_programs", "asked_permission_to_contact",
    "clarified_red_flags", "generic_reassurance", "offered_letter", "offered_strong_letter",
    "hesitated", "unresponsive",
]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _field(description: str, cites: tuple = (), **kw):
    """A profile field; `cites`: the heuristic IDs that make it matter, kept out of the words
    (the interview says the description to the student) and shown in the schema as x-cites."""
    extra = {"x-cites": list(cites)} if cites else None
    return Field(default=None, description=description, json_schema_extra=extra, **kw)


def day_text(value):
    """A day field's value: text naming a day that exists, in a Match cycle's years.
    An unquoted 2027-03-22 is a date to YAML: the same day, kept as its ISO text."""
    if type(value) is date:  # not a datetime (a subclass): a day field holds no time
        value = value.isoformat()
    if isinstance(value, str) and re.match(DAY, value):  # other shapes: the pattern says what it takes
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a day of the calendar; give one that exists, e.g. 2027-03-22") \
                from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"'{value}': the year {day.year} is not a Match cycle's; give a date from {FIRST_YEAR} "
                             f"to {LAST_YEAR}, e.g. 2027-03-22")
    return value


class Applicant(Section):
    id: Optional[str] = _field("Pseudonymous id; never a real name.", min_length=1, max_length=64)
    type: Optional[Literal["us_md", "us_do", "us_img", "non_us_img"]] = _field("Applicant type.")
    visa_required: Optional[bool] = _field("Needs a visa to train in the US.")
    school_network: Optional[Literal["strong", "average", "weak", "new"]] = _field(
        "How well the school advocates for its unmatched students.", cites=("AL-12", "RS-16"))
    family_constraints: Optional[bool] = _field("Must stay near family.", cites=("RS-03",))


class PartialMatch(Section):
    part: Optional[Literal["advanced", "preliminary"]] = _field(
        "Which part matched: the advanced (PGY-2) position, or the preliminary PGY-1 year.", cites=("NR-01", "RB-01"))
    specialty: Optional[Specialty] = _field("Specialty of the matched position.")
    program: Optional[str] = _field("Pseudonymous name of the matched program.", min_length=1, max_length=120)
    start_year: Optional[int] = _field("Year the matched position starts (July).", ge=2000, le=2100)


class Status(Section):
    phase: Optional[Literal["pre_match", "match_week", "soap", "post_soap", "gap_year", "reapplying"]] = _field(
        "Where the applicant is in the Match cycle.")
    now: Optional[datetime] = _field("Current date and time with UTC offset; timing rules read it "
                                     "against the SOAP calendar.")
    match_result: Optional[Literal["unmatched", "partially_matched", "matched"]] = _field("Main Match result.")
    soap_eligible: Optional[bool] = _field("NRMP says the applicant is eligible for SOAP.", cites=("NR-01",))
    partial_match: Optional[PartialMatch] = _field(
        "For match_result partially_matched: what matched, so the hunt is for the complementary position.")

    @field_validator("now")
    @classmethod
    def _needs_offset(cls, value: Optional[datetime]) -> Optional[datetime]:
        if value is not None and value.utcoffset() is None:
            raise ValueError("give the time with its UTC offset, e.g. 2026-03-16T10:30:00-04:00")
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"the year {value.year} is not a Match cycle's; give a date from {FIRST_YEAR} "
                             f"to {LAST_YEAR}, e.g. 2026-03-16T10:30:00-04:00")
        return value


class Target(Section):
    specialty: Optional[Specialty] = _field("The specialty applied to in the main Match.")
    backup_specialties: Optional[list[Specialty]] = _field("Backup specialties.", max_length=MAX_VALUES)
    open_position_types: Optional[list[Literal["categorical", "preliminary", "transitional"]]] = _field(
        "Position types the applicant would accept.", max_length=MAX_VALUES)
    open_to_community_programs: Optional[bool] = _field("Would train at a community program.")
    specialty_history: Optional[list[Specialty]] = _field(
        "Earlier declared specialties, oldest first (specialty whiplash).", cites=("RS-04",), max_length=MAX_VALUES)
    warned_to_broaden: Optional[bool] = _field(
        "Advisors warned to apply more broadly and the warning was ignored.", cites=("RS-12",))


class Exam(Section):
    result: Optional[Literal["pass", "fail", "not_taken"]] = _field("Pass, fail or not taken.")
    attempts: Optional[int] = _field("Number of attempts.", ge=1, le=10)


class UsmleExam(Exam):
    score: Optional[int] = _field("Three-digit score (1-300).", ge=1, le=300)


class ComlexExam(Exam):
    score: Optional[int] = _field("COMLEX score (9-999).", ge=9, le=999)


class Exams(Section):
    step1: Optional[UsmleExam] = _field("USMLE Step 1 (pass/fail).")
    step2: Optional[UsmleExam] = _field("USMLE Step 2 CK.")
    comlex_level1: Optional[ComlexExam] = _field("COMLEX Level 1, for DO applicants.")
    comlex_level2: Optional[ComlexExam] = _field("COMLEX Level 2-CE, for DO applicants.")


class Academics(Section):
    class_quartile: Optional[int] = _field("Class quartile, 1 (top) to 4.", ge=1, le=4)
    honors: Optional[int] = _field("Number of clerkship honors.", ge=0, le=20)
    research_outputs: Optional[int] = _field("Publications plus abstracts.", ge=0, le=500)
    course_repeats: Optional[int] = _field("Courses repeated.", ge=0, le=20)


class AwayRotation(Section):
    specialty: Optional[Specialty] = _field("Specialty of the away rotation.")
    performance: Optional[Literal["strong", "average", "weak"]] = _field("How it went.")


class Clinical(Section):
    evaluations: Optional[Literal["strong", "solid", "mixed", "concerning"]] = _field(
        "Overall clinical evaluations.")
    described_as: Optional[list[Descriptor]] = _field("Words faculty used about the applicant.", max_length=MAX_VALUES)
    sub_internship_in_target: Optional[bool] = _field("Did a sub-internship in the target specialty.")
    away_rotations: Optional[list[AwayRotation]] = _field("Away rotations.", max_length=MAX_ENTRIES)


class RedFlag(Section):
    kind: Optional[Literal["exam_failure", "leave_of_absence", "professionalism", "remediation",
                           "course_repeat", "dishonesty", "program_dismissal"]] = _field("Kind of red flag.")
    count: Optional[int] = _field("How many times.", ge=1, le=20)
    resolved: Optional[bool] = _field("Resolved since.")
    explanation_ready: Optional[bool] = _field("Has a short honest framing ready.", cites=("FA-07",))
    disclosed: Optional[bool] = _field("Told advocates about it.", cites=("AL-11", "FA-19"))
    id: Optional[str] = _field("A short label for this flag, so a remediation can name the incident it "
                               "remediates.", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    remediates: Optional[str] = _field("For a remediation: the id of the flag it remediates; the two are one "
                                       "owned incident, not a pattern.", cites=("RS-04", "FA-07"),
                                       pattern=r"^[A-Za-z0-9_-]{1,32}$")
    reason: Optional[Literal["medical", "family", "personal", "academic", "professionalism", "other"]] = _field(
        "For a leave of absence: the class of its reason.", cites=("FA-07",))


class Geography(Section):
    regions: Optional[list[Region]] = _field("Acceptable regions.", max_length=MAX_VALUES)
    max_cities: Optional[int] = _field("Only this many cities are acceptable.", ge=1, le=1000)
    open_to_any_region: Optional[bool] = _field("Would go anywhere in the US.")


class Application(Section):
    programs_applied: Optional[int] = _field("Programs applied to in the main Match.", ge=0, le=1000)
    interviews: Optional[int] = _field("Interviews received.", ge=0, le=200)
    personalized_outreach: Optional[bool] = _field("Tailored messages rather than generic blasts.",
            cites=("RB-05", "FA-06"))
    soap_applications_planned: Optional[int] = _field("SOAP applications planned (NRMP cap: 45).", ge=0, le=1000)


class FacultyContact(Section):
    role: Optional[FacultyRole] = _field("Their role.")
    specialty: Optional[Specialty] = _field("Their specialty.")
    knows_you: Optional[Literal["well", "somewhat", "barely"]] = _field("How well they know the applicant.")
    influence: Optional[Literal["high", "medium", "low"]] = _field("Their influence with programs.")
    signals: Optional[list[Signal]] = _field("What they have done or said since the Match.", max_length=MAX_VALUES)
    last_contact_days: Optional[int] = _field("Days since last contact.", ge=0, le=3650)
    availability: Optional[Literal["available", "away", "unresponsive"]] = _field(
        "Whether they can act this week: away (travel, leave) is not the same as not answering.", cites=("FA-22",))
    away_until: Optional[str] = _field("When an away contact is back, as a date (2027-03-22).",
                                       pattern=DAY)
    backup_contact: Optional[FacultyRole] = _field(
        "Who covers for them while away, or who to turn to instead.", cites=("FA-22",))

    @field_validator("away_until", mode="before")
    @classmethod
    def _a_real_day(cls, value):
        return day_text(value)


class Alumnus(Section):
    relation: Optional[Literal["supervised_you", "recent_resident", "senior_alum", "committee_member",
                               "coordinator", "never_spoke", "big_name_researcher",
                               "unrelated_resident"]] = _field("Who they are to the applicant.")
    specialty: Optional[Specialty] = _field("Their specialty.")
    spoke_before: Optional[bool] = _field("Have spoken before.")
    knows_programs: Optional[bool] = _field("Knows programs personally.")


class Relationships(Section):
    faculty: Optional[list[FacultyContact]] = _field("Faculty contacts.", max_length=MAX_ENTRIES)
    alumni: Optional[list[Alumnus]] = _field("Alumni contacts.", max_length=MAX_ENTRIES)


class Conduct(Section):
    professionalism_concerns: Optional[int] = _field("Documented professionalism concerns.", ge=0, le=50)
    staff_complaints: Optional[bool] = _field("Staff or residents have complained.")
    ghosted_emails: Optional[bool] = _field("Has left faculty emails unanswered.")
    argued_evaluations: Optional[bool] = _field("Has argued evaluations.")
    social_media_incident: Optional[bool] = _field("Trashed programs or people online.")
    dishonesty: Optional[bool] = _field("Dishonesty in the application or about leaving a program.")


class Packet(Section):
    summary: Optional[bool] = _field("Short SOAP summary ready.")
    cv: Optional[bool] = _field("CV ready.")
    eras_pdf: Optional[bool] = _field("ERAS application PDF ready.")
    red_flag_explanation: Optional[bool] = _field("Red-flag explanation ready.")


class OutreachPlan(Section):
    shape: Optional[Literal["one_message_to_list", "personal_notes"]] = _field(
        "One message sent to a whole list (a listserv, a class list) or personal notes one by one.",
            cites=("AL-11", "RB-05"))
    size: Optional[int] = _field("How many people it would reach.", ge=0, le=100000)
    sent: Optional[bool] = _field("Already sent (false: about to go out).")


class Readiness(Section):
    first_reaction: Optional[Literal["strong", "neutral", "weak"]] = _field(
        "How the first message to faculty after the result read.", cites=("FA-13",))
    asked_for_advocacy: Optional[bool] = _field("Has asked faculty explicitly for advocacy.")
    stayed_in_touch: Optional[bool] = _field("Kept allies updated after interview season.", cites=("FA-11",))
    packet: Optional[Packet] = _field("Documents ready to send.")
    target_list_ready: Optional[bool] = _field("A realistic target list is ready.")
    outreach_contacts_planned: Optional[int] = _field("People planned to contact (5-10).",
            cites=("AL-13",), ge=0, le=500)
    outreach_plan: Optional[OutreachPlan] = _field("How the planned outreach would go out.", cites=("AL-11",))


class Mentor(Section):
    role: Optional[FacultyRole] = _field("Mentor's role.")
    specialty: Optional[Specialty] = _field("Mentor's specialty.")
    responsive: Optional[bool] = _field("Answers promptly.")
    gives_specifics: Optional[bool] = _field("Gives specific, concrete advice.")


class PostMatch(Section):
    autopsy_done: Optional[bool] = _field("A post-Match autopsy is done.", cites=("PM-02",))
    plan: Optional[Literal["same_specialty", "pivot", "undecided"]] = _field("Plan for the next cycle.",
            cites=("PM-03",))
    mentors: Optional[list[Mentor]] = _field("Current mentors.", max_length=MAX_ENTRIES)
    gap_year_options: Optional[list[Literal["pd_linked_research_fellow", "non_categorical_prelim", "observership",
                                            "scribe", "lab_volunteer", "clinical_research_coordinator",
                                            "other"]]] = _field("Gap-year roles on offer.", max_length=MAX_VALUES)
    gap_year_completed: Optional[list[Literal["pd_linked_research_fellow", "non_categorical_prelim", "observership",
                                              "scribe", "lab_volunteer", "clinical_research_coordinator",
                                              "other"]]] = _field(
        "Gap-year roles already completed (not on offer: done), e.g. a finished research year.",
            cites=("PM-08",), max_length=MAX_VALUES)
    weakest_area: Optional[Literal["letters", "scores", "professionalism", "clinical", "scholarship",
                                   "interviews"]] = _field("The weakest part of the application.")


class ProgramContact(Section):
    program: Optional[str] = _field("The program's name or NRMP code.", min_length=1, max_length=120)
    at: Optional[datetime] = _field("When the program contacted you, with UTC offset.")
    applied: Optional[bool] = _field("You had sent this program a SOAP application.", cites=("NR-03",))
    replied: Optional[bool] = _field("You have replied to it.")

    @field_validator("at")
    @classmethod
    def _needs_offset(cls, value: Optional[datetime]) -> Optional[datetime]:
        return Status._needs_offset(value)


class SoapOffer(Section):
    round: Optional[int] = _field("The offer round it came in (1 to 4).", ge=1, le=4)
    program: Optional[str] = _field("The program's name or NRMP code.", min_length=1, max_length=120)
    response: Optional[Literal["pending", "accepted", "rejected", "expired"]] = _field(
        "What you did with the offer (accepting is binding).", cites=("NR-06",))


class SoapWeek(Section):
    applications_in: Optional[bool] = _field(
        "All the SOAP applications you mean to send now are submitted.")
    eras_applications: Optional[int] = _field("SOAP applications sent through ERAS (NRMP cap: 45).", ge=0, le=45)
    residencycas_applications: Optional[int] = _field(
        "SOAP applications sent through ResidencyCAS, for emergency medicine and OB-GYN (its own cap: 45).",
        ge=0, le=45)
    program_contacts: Optional[list[ProgramContact]] = _field("Programs that have contacted you this week.", max_length=MAX_ENTRIES)
    interviews_scheduled: Optional[int] = _field("SOAP interviews scheduled and not yet held.", ge=0, le=90)
    interviews_held: Optional[int] = _field("SOAP interviews held.", ge=0, le=90)
    offers: Optional[list[SoapOffer]] = _field("SOAP offers received, one entry each.", max_length=MAX_ENTRIES)


class Profile(Section):
    schema_: Literal["soaprules/profile@1"] = Field(alias="schema", description="Contract version.")
    applicant: Optional[Applicant] = _field("Who the applicant is.")
    status: Optional[Status] = _field("Where they are in the cycle.")
    target: Optional[Target] = _field("What they aim for.")
    exams: Optional[Exams] = _field("Licensing exams.")
    academics: Optional[Academics] = _field("Academic record.")
    clinical: Optional[Clinical] = _field("Clinical record.")
    red_flags: Optional[list[RedFlag]] = _field("Red flags, one item each.", max_length=MAX_ENTRIES)
    geography: Optional[Geography] = _field("Where they would train.")
    application: Optional[Application] = _field("The main-Match application.")
    relationships: Optional[Relationships] = _field("Faculty and alumni contacts.")
    conduct: Optional[Conduct] = _field("Reputation as faculty see it.", cites=("FA-08", "RS-07", "RS-11"))
    readiness: Optional[Readiness] = _field("How ready they are to be helped.")
    post_match: Optional[PostMatch] = _field("For post_soap, gap_year and reapplying phases.")
    soap_week: Optional[SoapWeek] = _field("SOAP week as it happens: applications, contacts, offers.")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=False)
