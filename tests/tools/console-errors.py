#!/usr/bin/env python3
"""console-errors.py: print the table of console/js/errors.js made from the
agent's error table (the output of tests/tools/errtable on stdin), one
entry a line, so tests/platform/console-files.sh can check that the
console's hints are the agent's (and a developer can paste a new table).

Each errtable line reads "ID NAME: message (cause: CAUSE; check: CHECK)".
"""
import json
import re
import sys

LINE = re.compile(r"^(E\d+) ([a-z0-9_]+): (.*) \(cause: (.*); check: (.*)\)$")

for raw in sys.stdin:
    m = LINE.match(raw.rstrip("\n"))
    if m is None:
        sys.exit("console-errors.py: cannot read %r" % raw)
    print("\t[%s]," % ", ".join(json.dumps(g, ensure_ascii=False)
                                for g in m.groups()))
