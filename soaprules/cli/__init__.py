"""The command line. It only wires: main (the group and `advise`), group (examples, the
last-resort error handler), output (reading arguments, emitting reports, failing with a
positioned error), options (shared option values), commands/ (one module per command)."""
