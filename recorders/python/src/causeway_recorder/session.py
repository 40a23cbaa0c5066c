"""Starting and stopping recordings for the CLI, the API and the pytest
plugin: sampling, the import hook, the patches, and flushing at exit, on
SIGTERM and across fork."""

from __future__ import annotations

import atexit
import os
import random
import signal
import threading
from typing import Any, Optional

from .config import RecorderConfig
from .hook import install_hook, uninstall_hook
from .patches import install_all, uninstall_all
from .recorder import RECORDER

_exit_hooks_installed = False
_previous_sigterm: Any = None


def sampled(rate: float) -> bool:
    """Whether to record this trace: whole traces are kept or dropped,
    never parts of one."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    return random.random() < rate


def instrument(config: RecorderConfig) -> None:
    """Install the import hook and the patches (idempotent)."""
    install_hook(config)
    install_all()
    _install_exit_hooks()


def uninstrument() -> None:
    """Remove the hook and the patches (modules already rewritten stay so,
    and record nothing while no recording is active)."""
    uninstall_hook()
    uninstall_all()


def begin(config: RecorderConfig, out: Optional[str] = None, trace_id: Optional[str] = None, extra: Optional[dict] = None) -> str:
    return RECORDER.begin(config, out=out, trace_id=trace_id, extra=extra)


def end() -> Optional[str]:
    return RECORDER.end()


def _flush_at_exit() -> None:
    RECORDER.end()


def _on_sigterm(signum: int, frame: Any) -> None:
    # Write what was recorded, then die of SIGTERM as the program would have.
    RECORDER.end(from_signal=True)
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _install_exit_hooks() -> None:
    global _exit_hooks_installed, _previous_sigterm
    if _exit_hooks_installed:
        return
    _exit_hooks_installed = True
    atexit.register(_flush_at_exit)
    if threading.current_thread() is threading.main_thread():
        try:
            _previous_sigterm = signal.getsignal(signal.SIGTERM)
            if _previous_sigterm in (signal.SIG_IGN,):
                _previous_sigterm = None
            else:
                signal.signal(signal.SIGTERM, _on_sigterm)
        except (ValueError, OSError):  # not allowed here (embedded interpreters)
            pass
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=RECORDER.abandon_after_fork)
