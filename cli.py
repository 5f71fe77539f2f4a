#!/usr/bin/env python3
"""Run soaprules from a checkout: `python cli.py advise PROFILE` (same as `soaprules`)."""
from soaprules.__main__ import run

if __name__ == "__main__":
    run()
