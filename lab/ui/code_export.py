"""Code to take home, under the Summary's downloads: each run as PyTorch, optax or Keras code
(``st.code`` has a copy button), and the whole setup as one PyTorch script."""

from __future__ import annotations

import streamlit as st

from lab import experiment as ex
from lab import export

from . import state

SCRIPT_LABEL = "Setup as a PyTorch script"
CODE_TITLE = "Code to reproduce a run: PyTorch, optax, Keras"


@st.cache_data(max_entries=16, show_spinner=False)
def setup_script(exp: ex.Experiment) -> str:
    return export.setup_script(exp)


@st.cache_data(max_entries=64, show_spinner=False)
def run_code(exp: ex.Experiment, index: int, framework: str) -> str:
    return export.run_code(exp, index, framework)


def render(exp: ex.Experiment, name: str) -> None:
    """The script download and the per-run code. ``name`` goes into the file name (the
    function or the model)."""
    st.download_button(
        SCRIPT_LABEL,
        data=lambda: setup_script(exp),
        file_name=f"optimizer-lab-{name}.py",
        mime="text/x-python",
        icon=":material/code:",
        on_click="ignore",
        help="Every run of this setup with torch.optim and its scheduler, in float64: running "
        "it retraces the paths shown here.",
    )
    with st.expander(CODE_TITLE, icon=":material/terminal:"):
        if st.session_state.get(state.CODE_RUN, 0) >= len(exp.runs):
            st.session_state[state.CODE_RUN] = 0  # a removed run
        labels = exp.labels()
        left, right = st.columns([2, 1])
        index = left.selectbox(
            "Run", range(len(exp.runs)), key=state.CODE_RUN, format_func=labels.__getitem__
        )
        framework = right.segmented_control(
            "Framework",
            export.FRAMEWORKS,
            key=state.CODE_FRAMEWORK,
            default=export.FRAMEWORKS[0],
            required=True,
        )
        if framework != "PyTorch":
            st.caption(
                f"{framework} code follows {framework}'s own rule: the comments at its top say "
                "where that differs from this run. The PyTorch code is exact."
            )
        st.code(run_code(exp, index, framework or export.FRAMEWORKS[0]), language="python")
