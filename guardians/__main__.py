"""Entry point: ``python -m guardians`` and the ``guardians`` console script.

Exit codes are mapped here, in one place: 0 ok, 1 problems found, 2 usage
errors and internal faults (never a traceback; ``GUARDIANS_DEBUG=1`` shows it).
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    import click

    from guardians.cli import cli
    from guardians.errors import GuardianError

    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    except GuardianError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except Exception as exc:
        if os.environ.get("GUARDIANS_DEBUG"):
            raise
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (set GUARDIANS_DEBUG=1 for a traceback)\n")
        return 2
    return int(rv or 0)


if __name__ == "__main__":
    raise SystemExit(main())
