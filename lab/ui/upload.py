"""Open a setup file: the JSON the Summary tab downloads reopens the same setup.

The file is untrusted: at most :data:`MAX_BYTES`, UTF-8 JSON, then every field is checked by
:func:`lab.codecs.from_dict` as a link's are (a refused value falls back to its default, named in
a warning). The experiment is loaded into the widgets by :func:`lab.ui.state.load`, the one way
a link or a lesson sets them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import streamlit as st

from lab import codecs

from . import links, state, text

MAX_BYTES = 64 * 1024
LABEL = f"Open a setup (JSON, at most {MAX_BYTES // 1024} KB)"
HELP = (
    "A setup saved with **Setup (JSON)** under Summary: the function or model, the start, the "
    "steps, the schedule, the noise and every run. The page then shows that setup."
)


def render() -> None:
    """The file picker, and what the last file opened said."""
    st.file_uploader(
        LABEL,
        type=["json"],
        max_upload_size=1,  # MB, the least the widget takes; MAX_BYTES is checked below
        key=state.upload_key(),
        on_change=_open,
        help=HELP,
    )
    for kind, message in st.session_state.get(state.UPLOAD_NOTES, ()):
        getattr(st, kind)(message)


def _open() -> None:
    """The picker's callback (before the page reruns, so the widgets can still be set)."""
    file = st.session_state.get(state.upload_key())
    if file is None:
        return
    notes = read(file.name, file.getvalue())
    st.session_state[state.UPLOAD_NOTES] = notes
    st.session_state[state.UPLOADS] = st.session_state.get(state.UPLOADS, 0) + 1


def read(name: str, payload: bytes) -> list[tuple[str, str]]:
    """Open file ``name`` holding ``payload``: load its setup into the widgets unless it is
    refused; return the messages to show as (``"error"``, ``"warning"`` or ``"success"``, text)."""
    shown = text.plain(name[:80])
    if len(payload) > MAX_BYTES:
        return [
            (
                "error",
                f"{shown} is {len(payload):,} bytes ({len(payload) / 1024:,.1f} KB); a setup "
                f"file may be at most {MAX_BYTES // 1024} KB ({MAX_BYTES:,} bytes). Nothing was "
                "changed.",
            )
        ]
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        why = text.plain(str(err)[:120])
        return [("error", f"{shown} is not a JSON setup file ({why}). Nothing was changed.")]
    if not isinstance(data, Mapping):
        return [
            ("error", f"{shown} holds no setup (a JSON object of fields). Nothing was changed.")
        ]
    exp, warnings = codecs.from_dict(data)
    st.session_state[state.BASE] = exp.canonical()  # hidden control groups take its values too
    state.load(exp)
    notes = [("success", f"Opened {shown}.")]
    if warnings:
        notes.append(("warning", links.warning_text(warnings, source="file")))
    return notes
