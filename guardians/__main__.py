"""Entry point: ``python -m guardians`` and the ``guardians`` console script.

Exceptions are mapped to the exit codes of :data:`guardians.errors.EXIT_CODES`
here: usage errors and internal faults exit 2, never with a traceback
(``GUARDIANS_DEBUG=1`` shows it).
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    code = _main()
    if "guardians.quick_exit" in sys.modules:  # a command asked to skip teardown (guardians/quick_exit.py)
        from guardians.quick_exit import leave_if_requested

        leave_if_requested(code)
    return code


def _main() -> int:
    if sys.argv[1:] == ["hook", "claude-code"]:
        # Runs before every file write of a coding agent: skip click (most of
        # the start-up time) for this one exact invocation.
        from guardians.commands.hook import claude_code_hook

        return claude_code_hook(sys.stdin.buffer, sys.stderr)
    import click

    from guardians.cli import cli
    from guardians.errors import EXIT_INTERRUPTED, EXIT_USAGE, GuardianError

    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE
    except click.exceptions.Abort:
        return EXIT_INTERRUPTED
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except GuardianError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except Exception as exc:
        if os.environ.get("GUARDIANS_DEBUG"):
            raise
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (set GUARDIANS_DEBUG=1 for a traceback)\n")
        return EXIT_USAGE
    return int(rv or 0)


if __name__ == "__main__":
    raise SystemExit(main())
