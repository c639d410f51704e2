"""Entry point: ``python -m guardians`` and the ``guardians`` console script."""

from __future__ import annotations


def main() -> int:
    from guardians.cli import cli

    return _run(cli)


def _run(cli: object) -> int:
    import click

    assert isinstance(cli, click.Command)
    try:
        rv = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.exceptions.Abort:
        return 130
    return int(rv or 0)


if __name__ == "__main__":
    raise SystemExit(main())
