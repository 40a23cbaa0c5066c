"""Patches of the standard library that turn synchronization, messaging
and I/O into events. Each module has `install()` and `uninstall()`; the
patched functions do nothing extra while no recording is active."""

from __future__ import annotations

from . import aio, containers, futures, http, queues, sqlite, threads

_MODULES = (threads, queues, futures, aio, http, sqlite, containers)
_installed = False


def install_all() -> None:
    global _installed
    if _installed:
        return
    for module in _MODULES:
        module.install()
    _installed = True


def uninstall_all() -> None:
    global _installed
    if not _installed:
        return
    for module in reversed(_MODULES):
        module.uninstall()
    _installed = False
