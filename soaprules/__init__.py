"""soaprules: an explained decision advisor for unmatched medical students."""

__version__ = "0.1.0"
