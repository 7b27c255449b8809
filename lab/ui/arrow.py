"""Chart data as Arrow bytes, made once when a spec is cached; the spec checked as JSON."""

import threading
import weakref

import pandas as pd
from streamlit import dataframe_util

from lab import drawable, frames

# Arrow bytes of frames that many specs share (a function's landscape, a template's constant
# data), by identity: made once while the frame lives (nothing writes to a frame once made).
_SHARED: dict[int, tuple[weakref.ref, bytes]] = {}
_LOCK = threading.Lock()


def arrow_datasets(spec: dict) -> dict:
    """Turn a spec's DataFrames into Arrow IPC bytes: Streamlit passes bytes through instead of
    converting every dataset on every rerun (12% of a rerun's CPU under classroom load).

    Every spec on its way to the browser passes here, so here it is refused
    (:class:`lab.drawable.InvalidSpec`) if it holds NaN or infinity outside its Arrow data:
    the page shows a clear error for that view instead of the browser's JavaScript error.

    The data go in their compact types (:func:`lab.frames.compact`): a third of the bytes."""
    drawable.check_json(spec)
    datasets = {name: _arrow(data) for name, data in spec.get("datasets", {}).items()}
    return {**spec, "datasets": datasets}


def _arrow(data: pd.DataFrame) -> bytes:
    key = id(data)
    with _LOCK:
        ref, made = _SHARED.get(key, (None, b""))
    if ref is not None and ref() is data:
        return made
    made = dataframe_util.convert_anything_to_arrow_bytes(frames.compact(data))
    with _LOCK:
        _SHARED[key] = (weakref.ref(data), made)
    weakref.finalize(data, _forget, key)
    return made


def _forget(key: int) -> None:
    with _LOCK:
        _SHARED.pop(key, None)
