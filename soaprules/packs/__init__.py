"""Rule packs as data: the model a pack file must match (model), loading and checking
packs into one RuleBook (load), overlays (overlay), what-if levers (levers), the NRMP
calendar's arithmetic (calendar), and the parsed-pack cache (cache)."""
