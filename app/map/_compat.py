"""Work-around for PySide6 6.12 on CPython 3.11: every void-returning method (QPainter.drawImage,
QWidget.update, QImage.fill, ...) returns ``None`` without taking a reference to it. On 3.12+ None
is immortal (PEP 683) so nothing happens; on 3.11 each call drops None's reference count by one,
and after a few thousand calls the interpreter aborts with "none_dealloc: deallocating None".

``pin_none()`` gives None (and True, False) a reference count so large (2**60) that it can never reach zero, i.e. it
makes None immortal as 3.12 does. Call it once before using Qt (app.map does on import). Harmless
where the bug is absent; a no-op on 3.12+.
"""
from __future__ import annotations

import ctypes
import sys

_PINNED = False


def pin_none() -> None:
    global _PINNED
    if _PINNED or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for obj in (None, True, False):  # bools too: some bool-returning wrappers leak the same way
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 60
    _PINNED = True


pin_none()
