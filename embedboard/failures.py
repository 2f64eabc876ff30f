"""How the CLI ends: every failure a user can cause is one `embedboard: error:` line and exit 2.

A traceback is for bugs; `--debug` (or EMBEDBOARD_DEBUG=1) shows it for anything.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from embedboard.errors import EmbedboardError

USAGE_ERROR = 2
BROKEN_PIPE = (
    141  # what a shell reports for a program ended by SIGPIPE (`embedboard models | head`)
)

# OS errors a user causes (and fixes) with a folder, a disk or a permission, never a bug.
_OS_FIXES = {
    errno.ENOSPC: "free some space or point --results / --cache-dir at another disk",
    errno.EDQUOT: "free some space or point --results / --cache-dir at another disk",
    errno.EROFS: "pass a folder on a writable file system",
    errno.EACCES: "fix the permissions or pass another folder",
    errno.EPERM: "fix the permissions or pass another folder",
    errno.ENOTDIR: "a file stands where a folder is needed; pass another folder",
    errno.EISDIR: "a folder stands where a file is needed; pass a file",
    errno.ENAMETOOLONG: "use a shorter name",
}


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the fix instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        print(f"embedboard: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(USAGE_ERROR)


def debug_requested(argv: list[str]) -> tuple[bool, list[str]]:
    """`--debug` is accepted anywhere on the line (before or after the sub-command)."""
    debug = "--debug" in argv or os.environ.get("EMBEDBOARD_DEBUG", "") not in {"", "0"}
    return debug, [arg for arg in argv if arg != "--debug"]


def describe_os_error(err: OSError) -> str | None:
    """One line for an OS error a user can fix, or None for anything else."""
    fix = _OS_FIXES.get(err.errno or -1)
    if fix is None:
        return None
    where = f" writing {err.filename}" if err.filename else ""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"The disk is full{where} ({err.strerror}); {fix}."
    return f"{err.strerror}{where or ''}: {fix}."


def _quiet_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's final flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def run_reporting_failures(command: Callable[[Any], int | None], args: Any, debug: bool) -> int:
    """Run a sub-command; turn a user's mistake into one stderr line and an exit code."""
    try:
        code = int(command(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
        return code
    except EmbedboardError as err:
        if debug:
            traceback.print_exc()
        print(f"embedboard: error: {err}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(
            "embedboard: interrupted; finished tasks are saved, re-run to resume.", file=sys.stderr
        )
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE
    except OSError as err:
        line = describe_os_error(err)
        if line is None or debug:
            raise
        print(f"embedboard: error: {line} (--debug shows the traceback)", file=sys.stderr)
        return USAGE_ERROR
