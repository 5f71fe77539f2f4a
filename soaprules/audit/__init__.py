"""Evaluations recorded for later audit (store) and replayed byte for byte (replay)."""
