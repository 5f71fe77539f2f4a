"""The pack language below the packs: condition trees and their checks (conditions), the
one walk over them (analysis), the reference evaluator (evaluate), and advice templates
(templates)."""
