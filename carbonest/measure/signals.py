"""SIGTERM and interpreter-exit handling of :class:`carbonest.measure.tracker.Tracker` (a mixin).

On SIGTERM the run is saved as ``interrupted`` and the signal is handed to the
handler that was there before (by default the process then ends as it would
have). A run still open when the interpreter exits is saved as ``interrupted``
too. A child forked during a run inherits the handlers but not the run.

The handler runs in the main thread between two bytecodes, so it may interrupt that thread
while it holds the tracker's lock (inside ``phase()``, ``stop()``, ``run.record``). It never
waits on such a lock: every section of the tracker that takes it is entered through
:class:`_Guard`, and a signal that arrives inside one is only noted; it is handled the moment
the section is left (a few microseconds later: none of them blocks). A signal repeated while an
earlier one's save is in progress is absorbed: that save finishes, then the signal is passed on
once.
"""

from __future__ import annotations

import atexit
import os
import signal
import threading
from types import FrameType
from typing import Any

class _Guard:
    """The tracker's lock, entered by its methods; a SIGTERM inside is deferred to its exit."""

    __slots__ = ("_owner", "_lock", "_main")

    def __init__(self, owner: SignalHandling, lock: Any) -> None:
        self._owner, self._lock = owner, lock
        self._main = threading.main_thread().ident

    def __enter__(self) -> None:
        main = threading.get_ident() == self._main
        if main:  # counted before the lock is taken, so the handler never sees it held uncounted
            self._owner._main_depth += 1
        try:
            self._lock.acquire()
        except BaseException:
            if main:
                self._owner._main_depth -= 1
            raise

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
        if threading.get_ident() != self._main:
            return
        owner = self._owner
        owner._main_depth -= 1
        if owner._main_depth == 0 and owner._deferred_signal is not None:
            signum, frame = owner._deferred_signal
            owner._deferred_signal = None
            owner._on_sigterm(signum, frame)


SIGTERM_STOP_TIMEOUT_S = 10.0
"""How long the SIGTERM handler waits for the run to be saved before passing the signal on. Units: s."""


class SignalHandling:
    """The SIGTERM/atexit half of the tracker; the tracker provides ``stop``, ``_state``,
    ``_ctx`` and ``_kwargs``."""

    _state: str
    _ctx: Any
    _kwargs: dict[str, Any]
    _prev_sigterm: Any
    _sigterm_installed: bool
    _lock: Any

    def _init_signal_state(self) -> None:
        self._main_depth = 0  # how deep the main thread is inside the tracker's locked sections
        self._deferred_signal: tuple[int, FrameType | None] | None = None
        self._signal_saving = False  # a SIGTERM's save is in progress
        self.repeated_signals = 0  # SIGTERMs absorbed while that save ran
        self._guard = _Guard(self, self._lock)

    def stop(self, status: Any = "completed", reason: str | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _install_handlers(self) -> None:
        atexit.register(self._at_exit)
        if not self._kwargs["handle_signals"] or threading.current_thread() is not threading.main_thread():
            return
        try:
            self._prev_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
            self._sigterm_installed = True
        except (ValueError, OSError):  # not the main interpreter, or no signals here
            pass

    def _remove_handlers(self) -> None:
        atexit.unregister(self._at_exit)
        # Put the previous handler back only if ours is still the one installed (a handler the
        # user set during the run is theirs to keep) and only from the main thread (the only one
        # allowed to). Otherwise ours stays installed or in another handler's chain, and only
        # forwards: see _on_sigterm.
        if not self._sigterm_installed or threading.current_thread() is not threading.main_thread():
            return
        try:
            if signal.getsignal(signal.SIGTERM) == self._on_sigterm:
                signal.signal(signal.SIGTERM, _unwrap_stopped(self._prev_sigterm))
                self._sigterm_installed = False
        except (ValueError, OSError):
            pass

    def _in_owner(self) -> bool:
        """False in a child forked during the run: it inherits the handlers, not the run."""
        return self._ctx is not None and os.getpid() == self._ctx.pid

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        if self._main_depth > 0:
            # The main thread was interrupted inside one of the tracker's locked sections: the
            # stop would wait for it for ever. Handled when the section is left (see _Guard).
            self._deferred_signal = (signum, frame)
            return
        if self._signal_saving:  # a repeated SIGTERM: let the save in progress finish
            self.repeated_signals += 1
            return
        if self._state == "running" and self._in_owner():
            # Stop on a helper thread and wait a bounded time: a lock held by code outside the
            # tracker (the user holding the sampler's, say) would otherwise deadlock the handler;
            # then the stop finishes when the lock is released, or the process ends and the
            # store shows the last checkpoint as interrupted.
            self._signal_saving = True
            try:
                helper = threading.Thread(
                    target=self.stop, args=("interrupted", "SIGTERM"), name="carbonest-sigterm", daemon=True
                )
                helper.start()
                helper.join(SIGTERM_STOP_TIMEOUT_S)  # a repeated signal runs its handler inside, then the wait resumes
            finally:
                self._signal_saving = False
        self._remove_handlers()  # the helper thread may not touch signal handlers
        previous = _unwrap_stopped(self._prev_sigterm)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            # SIG_DFL, or None (a handler not set from Python, which cannot be called):
            # end the process by SIGTERM as it would have without carbonest.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    def _at_exit(self) -> None:
        if self._state == "running" and self._in_owner():
            self.stop("interrupted", "the process exited while the run was still open")


def _unwrap_stopped(handler: Any) -> Any:
    """Skip the SIGTERM handlers of stopped trackers in a chain (they would only forward)."""
    while getattr(handler, "__func__", None) is SignalHandling._on_sigterm and handler.__self__._state == "stopped":
        handler = handler.__self__._prev_sigterm
    return handler
