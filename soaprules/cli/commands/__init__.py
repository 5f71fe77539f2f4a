"""Subcommands beyond `advise`, one module each. A module defines `register(main)` and
keeps heavy imports inside its command function, so `soaprules --help` stays fast.
cli/main.py lists them."""
