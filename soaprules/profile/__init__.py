"""The applicant's profile: its model (model), the field registry every path is checked
against (fields), reading and validating a file (load), and reading or writing a value
at a dotted path (paths)."""
