"""`soaprules plan`: an explained SOAP application plan over the student's own List of
Unfilled Programs. programs: the soaprules/programs@1 list; pack: the plan pack;
evaluate: program facts through durable-rules (or the reference evaluator); build: the
verdicts, ranking and filling per service; render: the report formats."""
