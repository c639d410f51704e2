"""``guardians check-write PATH... [-]``: may an agent write this file with this content?

The same answer as the Claude Code hook, for any other agent, editor or git
hook: files the guardians own are refused, artifacts and messages must
validate (messages with the admission check of ``guardians send``).
``-`` after one PATH reads the new content from stdin; otherwise each file
is checked as it is on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE


def check_write(args: list[str], fmt: str, stdin: IO[bytes], out: IO[str], err: IO[str]) -> int:
    from guardians.store.loaders import MAX_BYTES
    from guardians.validate.draft import check_draft

    if not args or args == ["-"]:
        err.write("error: give a PATH (and `-` to read its new content from stdin)\n")
        return EXIT_USAGE
    if "-" in args:
        if len(args) != 2 or args[1] != "-":
            err.write("error: `-` reads the content of exactly one PATH: guardians check-write PATH -\n")
            return EXIT_USAGE
        data = stdin.read(MAX_BYTES + 1)
        results = [check_draft(Path(args[0]), data)]
    else:
        results = [check_draft(Path(arg), None) for arg in args]
    if fmt == "json":
        out.write(json.dumps({"ok": all(r.ok for r in results), "results": [r.to_dict() for r in results]}) + "\n")
    else:
        for result in results:
            if result.ok:
                out.write(f"ok {result.path} ({result.kind})\n")
            for finding in result.findings:
                out.write(f"refused {finding}\n")
    return EXIT_OK if all(r.ok for r in results) else EXIT_PROBLEMS
