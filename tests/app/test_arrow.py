"""Chart data on its way to the browser: compact Arrow bytes, made once per shared frame."""

import gc

import numpy as np
import pandas as pd
import pyarrow as pa

from lab.ui import arrow


def _table(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def test_a_shared_frame_is_converted_once_and_forgotten_when_freed():
    frame = pd.DataFrame({"x": np.linspace(0, 1, 50)})
    first = arrow.arrow_datasets({"datasets": {"a": frame}})["datasets"]["a"]
    again = arrow.arrow_datasets({"datasets": {"b": frame}})["datasets"]["b"]
    assert again is first
    key = id(frame)
    del frame
    gc.collect()
    assert key not in arrow._SHARED


def test_chart_data_go_in_compact_types_with_their_values():
    runs = ["Adam lr=0.1", "SGD lr=0.1"] * 50
    frame = pd.DataFrame(
        {"run": runs, "step": np.arange(100), "x": np.linspace(-1, 1, 100), "tiny": 1e-300}
    )
    table = _table(arrow.arrow_datasets({"datasets": {"a": frame}})["datasets"]["a"])
    types = {field.name: str(field.type) for field in table.schema}
    assert types["step"] == "int32" and types["x"] == "float"  # float32
    assert types["tiny"] == "double"  # below float32's range: kept as float64
    assert types["run"].startswith("dictionary")
    back = table.to_pandas()
    assert list(back["run"]) == runs and list(back["step"]) == list(range(100))
    np.testing.assert_allclose(back["x"], frame["x"], rtol=1e-7)
