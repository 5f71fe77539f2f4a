"""`python -m soaprules` and the `soaprules` command.

The CLI is imported inside `run`, so a Ctrl-C while it loads (the slowest part of a
start) ends as every other Ctrl-C does, with exit 130 and no traceback."""
import sys


def run() -> None:
    try:
        from soaprules.cli.main import main
    except KeyboardInterrupt:
        sys.stderr.write("\nInterrupted.\n")
        raise SystemExit(130) from None  # ExitCode.INTERRUPTED, which is not loaded yet
    main()


if __name__ == "__main__":
    run()
