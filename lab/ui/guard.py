"""One view never takes the page: what each tab shows when it cannot draw, or when it breaks.

Around each tab's drawing (and inside the views that are fragments, which rerun on their own),
:func:`view` turns

- :class:`lab.drawable.CannotDraw` (a valid input with nothing to draw) into its sentence, in
  an info box, in place of the view;
- :class:`lab.drawable.InvalidSpec` (a chart that would reach the browser as invalid JSON) into
  an error naming the problem, logged;
- any other exception into :data:`SAFETY_NET`, a short error without a traceback; the
  traceback goes to the server's log. Tests assert this message never appears for a known
  input: it is a net under bugs, not a way to report inputs.

Streamlit's own control flow (``st.rerun``, ``st.stop``) is not an ``Exception`` and passes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import streamlit as st
from streamlit.errors import FragmentHandledException

from lab import drawable

log = logging.getLogger(__name__)

SAFETY_NET = "could not be drawn: something went wrong on our side"
"""In the error shown for an unexpected exception (tests assert its absence)."""

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def view(title: str) -> Iterator[None]:
    """Draw one view: its reason, or a short error, in place of whatever could not be drawn."""
    try:
        yield
    except FragmentHandledException:  # a fragment inside already showed and logged its error
        raise
    except drawable.CannotDraw as why:
        st.info(str(why), icon=":material/info:")
    except drawable.InvalidSpec as err:
        log.error("view %r: %s", title, err)
        st.error(f"**{title}**: {err}", icon=":material/error:")
    except Exception:
        log.exception("view %r failed", title)
        st.error(
            f"**{title}** {SAFETY_NET}. The other tabs still work. The error was logged on "
            "the server; the link in your address bar reproduces it.",
            icon=":material/error:",
        )


def guarded(title: str) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """:func:`view` around a function: for fragments, whose reruns skip the page's guard
    (decorate the function under ``@st.fragment``)."""

    def wrap(draw: Callable[P, R]) -> Callable[P, R | None]:
        @functools.wraps(draw)
        def drawn(*args: P.args, **kwargs: P.kwargs) -> R | None:
            with view(title):
                return draw(*args, **kwargs)
            return None

        return drawn

    return wrap
