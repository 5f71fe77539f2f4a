"""Where an error said it was, from the CLI's output in either rendering: the compiler-style
text (`--> file:line:col`) or, under `--format json`, the JSON object on stderr."""
from __future__ import annotations

import json


def places(output: str) -> list[str]:
    """Every `file:line[:column]` the output names, and every message and suggestion."""
    found = []
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            for d in doc.get("diagnostics", []):
                where = ":".join(str(d[k]) for k in ("file", "line", "column") if k in d)
                found.append(where)
        elif line.startswith("--> "):
            found.append(line[4:])
    return found


def names_place(output: str, where: str) -> bool:
    """True when the output names `where` (file:line or file:line:col) as an error's place."""
    return any(p == where or p.startswith(where + ":") for p in places(output))
