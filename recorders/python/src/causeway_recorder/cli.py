"""The command line: record one run of a script or module.

    python -m causeway_recorder [OPTIONS] -- script.py [ARGS...]
    python -m causeway_recorder [OPTIONS] -m package.module [ARGS...]

The program runs as it would under `python` (same `sys.argv`, `sys.path[0]`
and exit status); an exception that escapes it is recorded as an `error`
event before the traceback is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import List, Optional, Sequence

from . import __version__
from .config import ModuleSelector, RecorderConfig
from .hook import run_module, run_script
from .patches.threads import wait_for_threads
from .recorder import RECORDER
from .session import begin, end, instrument, sampled

USAGE = "python -m causeway_recorder [OPTIONS] (-- script.py | -m module) [ARGS...]"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m causeway_recorder",
        usage=USAGE,
        description="Record a Causeway v1 trace (JSON Lines) of one run of a Python program.",
    )
    parser.add_argument("--out", "-o", default="causeway-trace.jsonl", help="trace file to write (default: %(default)s)")
    parser.add_argument("--endpoint", default=os.environ.get("CAUSEWAY_ENDPOINT") or None, metavar="URL", help="send events to a collector (`causeway collect`) at URL instead of writing --out (default: $CAUSEWAY_ENDPOINT)")
    parser.add_argument("--include", action="append", default=[], metavar="PATTERN", help="modules to instrument, e.g. 'shop.*' (repeatable; default: the project's own files under --root)")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN", help="modules ('shop.vendor.*') or paths ('*/generated/*', 'legacy.py') never to instrument (repeatable)")
    parser.add_argument("--service", help="service name in events (default: the script's or module's name)")
    parser.add_argument("--root", default=os.getcwd(), help="project root: file paths in events are relative to it (default: the current directory)")
    parser.add_argument("--clocks", action="store_true", help="write a vector clock (causality_vector) on every event")
    parser.add_argument("--sample", type=float, default=1.0, metavar="RATE", help="record this run with probability RATE (0..1); an unsampled run writes nothing")
    parser.add_argument("--redact", action="append", default=[], metavar="REGEX", help="also redact values whose names match REGEX (repeatable)")
    parser.add_argument("--no-default-redactions", action="store_true", help="do not redact password/secret/token/... names by default")
    parser.add_argument("--quiet", "-q", action="store_true", help="do not print where the trace went")
    parser.add_argument("--version", action="version", version=f"causeway-recorder {__version__}")
    return parser


def split_command(argv: Sequence[str]) -> "tuple[List[str], Optional[str], Optional[str], List[str]]":
    """Options before the target; then (script, module, target args)."""
    argv = list(argv)
    for index, arg in enumerate(argv):
        if arg == "--":
            rest = argv[index + 1 :]
            if not rest:
                break
            if rest[0] == "-m" and len(rest) > 1:
                return argv[:index], None, rest[1], rest[2:]
            return argv[:index], rest[0], None, rest[1:]
        if arg == "-m" and index + 1 < len(argv):
            return argv[:index], None, argv[index + 1], argv[index + 2 :]
    parser = build_parser()
    if any(arg in ("-h", "--help", "--version") for arg in argv):
        parser.parse_args(argv)  # prints the help or the version and exits 0
    parser.error("give the program after `--` (a script) or `-m` (a module)")  # exits 2
    raise AssertionError("unreachable")


def main(argv: Optional[Sequence[str]] = None) -> int:
    options, script, module, target_args = split_command(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(options)
    service = args.service or (os.path.splitext(os.path.basename(script))[0] if script else module.rsplit(".", 1)[-1])
    config = RecorderConfig(
        out=args.out,
        endpoint=args.endpoint,
        include=tuple(args.include),
        exclude=tuple(args.exclude),
        service=service,
        root=os.path.abspath(args.root),
        clocks=args.clocks,
        sample=args.sample,
        redact=tuple(args.redact),
        default_redactions=not args.no_default_redactions,
    )
    recording = sampled(config.sample)
    if recording:
        instrument(config)
        begin(config)
    status = 0
    try:
        if script is not None:
            run_script(script, target_args, ModuleSelector(config))
        else:
            assert module is not None
            run_module(module, target_args)
    except SystemExit as exit_request:
        status = _exit_status(exit_request.code)
    except BaseException as error:  # the program's own uncaught exception
        if recording:
            RECORDER.error(error)
        _print_program_traceback(error)
        status = 130 if isinstance(error, KeyboardInterrupt) else 1
    finally:
        # Python waits for non-daemon threads before exiting: so do we,
        # before closing the trace, or their last events would be lost.
        try:
            wait_for_threads()
        except KeyboardInterrupt:
            pass
        path = end() if recording else None
    if path and not args.quiet and not args.endpoint:  # the sender printed its own summary
        print(f"causeway-recorder: trace written to {path}", file=sys.stderr)
    return status


def _exit_status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _print_program_traceback(error: BaseException) -> None:
    """The traceback as Python would print it (chained exceptions
    included), starting at the program's own frames."""
    recorder_dir = os.path.dirname(os.path.abspath(__file__))
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not (os.path.abspath(filename).startswith(recorder_dir) or "runpy" in filename):
            break
        tb = tb.tb_next
    traceback.print_exception(type(error), error, tb, file=sys.stderr)
