"""Tools for the deans who write packs: lint, pack tests with coverage (packtest),
diff-packs (packdiff), and the JSON Schemas (schema)."""
