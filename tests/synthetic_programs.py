"""A seeded generator of an obviously fictitious List of Unfilled Programs.

NRMP forbids sharing the real list, so the project ships only this: made-up program
names ("Synthetic ..."), made-up cities, codes that start with 9 (a pattern chosen to
look like no real list). Usage: python -m soaprules.plan.synthetic --seed 7 --count 300
"""
from __future__ import annotations

import argparse
import csv
import io
import random
import sys

from soaprules.plan.programs import COLUMNS, SPECIALTIES

FIRST = ("Amber", "Birch", "Cinder", "Dapple", "Ember", "Fable", "Garnet", "Harrow", "Ivory", "Juniper",
         "Kestrel", "Lantern", "Marble", "Nimbus", "Oriel", "Pebble", "Quill", "Russet", "Sable", "Thistle")
SECOND = ("Vale", "Hollow", "Ridge", "Crossing", "Harbor", "Meadow", "Summit", "Grove", "Landing", "Brook")
KIND = ("Medical Center", "Regional Hospital", "Health System", "Community Hospital", "University Hospital")
# Most unfilled positions are in primary care and preliminary years; a few elsewhere.
WEIGHTS = {"internal_medicine": 20, "family_medicine": 16, "pediatrics": 8, "preliminary_medicine": 12,
           "preliminary_surgery": 10, "transitional_year": 5, "psychiatry": 5, "general_surgery": 4}


def generate(seed: int, count: int, states: list[str]) -> list[dict]:
    rng = random.Random(seed)
    specialties = list(SPECIALTIES)
    weights = [WEIGHTS.get(s, 1) for s in specialties]
    rows, codes = [], set()
    while len(rows) < count:
        code = f"9{rng.randrange(10**6):06d}{rng.choice('CPAR')}{rng.randrange(10)}"
        if code in codes:
            continue
        codes.add(code)
        specialty = rng.choices(specialties, weights)[0]
        prelim = specialty.startswith("preliminary") or specialty == "transitional_year"
        kind = {"C": "categorical", "P": "preliminary", "A": "advanced", "R": "reserved"}[code[7]]
        kind = "preliminary" if prelim else ("categorical" if kind == "preliminary" else kind)
        name = f"Synthetic {rng.choice(FIRST)} {rng.choice(SECOND)} {rng.choice(KIND)}"
        rows.append({
            "code": code, "name": name, "specialty": specialty, "position_type": kind,
            "city": f"{rng.choice(FIRST)}ton", "state": rng.choice(states), "positions": rng.randint(1, 6),
            "service": "ResidencyCAS" if specialty == "obstetrics_gynecology" else "ERAS",
            "visa": rng.choice(("J-1", "J-1", "H-1B", "none", "unknown", "")),
            "setting": rng.choice(("community", "academic", "")),
            "contact": rng.choice(("",) * 12 + ("alum", "faculty", "resident")),
            "faculty_advised_against": "yes" if rng.random() < 0.04 else "no",
            "contacted_me": "yes" if rng.random() < 0.02 else "no",
        })
    return rows


def to_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, [c.name for c in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def shipped_states() -> list[str]:
    from soaprules.source import load_document
    from soaprules.plan.pack import DEFAULT_PLAN
    regions = load_document(DEFAULT_PLAN).data["regions"]
    return sorted(s for states in regions.values() for s in states)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("-o", "--output")
    args = parser.parse_args(argv)
    text = to_csv(generate(args.seed, args.count, shipped_states()))
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
