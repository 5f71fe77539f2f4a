"""Running a RuleBook: compiled to durable-rules rulesets (compile), a profile turned into
facts (facts), the engine adapter (durable, pin), one evaluation (session), and how
proposals for one decision are resolved (resolve)."""
