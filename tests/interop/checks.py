"""What the interoperability scripts share: the `--radlearn` argument, and a list of checks that sets the exit code."""
import argparse
import sys


def radlearn_binary(description):
    """The path of the radlearn binary given on the command line."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--radlearn", required=True, help="the radlearn binary to check")
    return ap.parse_args().radlearn


class Checks:
    """Called as `check(ok, what)`: prints the check (only a failure when `quiet`), records a failure, returns `ok`."""

    def __init__(self, quiet=False):
        self.failures = []
        self.quiet = quiet

    def __call__(self, ok, what):
        if not ok or not self.quiet:
            print(("ok: " if ok else "FAILED: ") + what)
        if not ok:
            self.failures.append(what)
        return ok

    def exit(self, summary=None):
        """Exits with 1 if a check failed (saying how many of `summary` on stderr), else 0."""
        if self.failures and summary:
            print(f"FAILED: {len(self.failures)} of {summary}", file=sys.stderr)
        sys.exit(1 if self.failures else 0)
