"""Code export and setup upload in the dashboard: a run's code shows in each framework, the
setup script is offered, and a downloaded setup file reopens the same setup; an oversized file,
a file that is not JSON and a file with bad fields each get a clear message, never a traceback."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from lab import codecs
from lab import experiment as ex
from lab.ui import code_export, state, upload

UPLOADER = upload.LABEL


def shown(at: AppTest) -> ex.Experiment:
    """The setup the page shows, read back from the link it writes."""
    query = {k: at.query_params[k] for k in at.query_params}
    query = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    exp, warnings = codecs.from_query(query)
    assert not warnings, warnings
    return exp


def open_file(at: AppTest, name: str, payload: bytes) -> AppTest:
    (picker,) = [u for u in at.get("file_uploader") if u.label == UPLOADER]
    picker.set_value((name, payload, "application/json"))
    return at.run()


def code(at: AppTest) -> str:
    """The code shown, its wrapped calls joined: ``f(\n    a,\n)`` reads ``f(a,)``."""
    return re.sub(r"\(\s+", "(", re.sub(r"\s+", " ", at.code[0].value))


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_a_runs_code_shows_in_each_framework_and_the_script_is_offered(app):
    at = app(tab="Summary")
    clean(at)
    labels = [b.label for b in at.get("download_button")]
    assert code_export.SCRIPT_LABEL in labels
    assert any(e.label == code_export.CODE_TITLE for e in at.expander)
    assert "torch.optim.SGD(params, lr=0.001" in code(at)
    at.selectbox(key=state.CODE_RUN).set_value(3).run()
    assert "torch.optim.Adam(params, lr=0.05" in code(at)
    at.button_group(key=state.CODE_FRAMEWORK).set_value("optax").run()
    clean(at)
    assert "optax.adam(learning_rate=LR" in code(at)
    at.button_group(key=state.CODE_FRAMEWORK).set_value("Keras").run()
    assert "keras.optimizers.Adam(learning_rate=LR" in code(at)
    # a run removed from the sidebar: the code falls back to the first run
    at.button(key=state.remove_button(3)).click().run()
    clean(at)
    assert "keras.optimizers.SGD(" in code(at)


def test_a_models_summary_offers_its_code_too(app):
    at = app(tab="Summary", m="logistic", steps="20")
    clean(at)
    assert code_export.SCRIPT_LABEL in [b.label for b in at.get("download_button")]
    assert "def batch_loss" not in code(at)  # full batch
    assert "X_TRAIN = torch.from_numpy(" in code(at)
    assert "torch.optim.SGD(params, lr=0.3" in code(at)


SETUP = ex.Experiment(
    surface="formula",
    surface_params=codecs.formula_params("x^2 + 3*y^2 - x*y + sin(x)", [(-3, 3), (-2, 2)]),
    start=(1.5, -1.0),
    steps=123,
    runs=(
        ex.run_config("rmsprop", lr=0.02, momentum=0.5, nesterov=True),
        ex.run_config("adam", lr=0.01, bias_correction=False),
        ex.run_config("lion", lr=0.003),
    ),
    noise=0.25,
    seed=42,
    schedule="cosine_warm_restarts",
    schedule_params=(("T_0", 20.0), ("T_mult", 2.0), ("min_factor", 0.1)),
    tolerance=1e-5,
)


def test_a_downloaded_setup_reopens_the_same_setup(app):
    at = app()
    assert shown(at).canonical() != SETUP.canonical()
    at = open_file(at, "setup.json", codecs.to_json(SETUP).encode())
    clean(at)
    assert shown(at).canonical() == SETUP.canonical()
    assert any(s.value.startswith("Opened setup") for s in at.success)
    assert not at.warning
    # the picker is empty again: the same file can be opened after the controls moved
    at.number_input(key=state.STEPS).set_value(200).run()
    assert shown(at).steps == 200
    at = open_file(at, "setup.json", codecs.to_json(SETUP).encode())
    assert shown(at).canonical() == SETUP.canonical()


def test_a_downloaded_model_setup_reopens_the_model_page(app):
    model = ex.Experiment(model="logistic", steps=40, runs=(ex.run_config("adam", lr=0.05),))
    at = open_file(app(), "model.json", codecs.to_json(model).encode())
    clean(at)
    assert at.session_state[state.KIND] == state.MODEL
    assert shown(at).canonical() == model.canonical()


def test_an_oversized_file_is_refused_naming_the_limit_and_its_size(app):
    at = app()
    before = shown(at)
    big = b'{"steps": 100, "pad": "' + b"x" * (upload.MAX_BYTES + 1000) + b'"}'
    at = open_file(at, "big.json", big)
    clean(at)
    (error,) = [e.value for e in at.error]
    assert "at most 64 KB" in error and f"{len(big):,} bytes" in error and "big" in error
    assert shown(at) == before


def test_a_file_that_is_not_json_is_refused_clearly(app):
    at = app()
    before = shown(at)
    for payload in (b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]"):
        at = open_file(at, "setup.json", payload)
        clean(at)
        (error,) = [e.value for e in at.error]
        assert "Nothing was changed" in error
        assert shown(at) == before


def test_each_refused_field_is_named_and_the_rest_is_used(app):
    data = codecs.to_dict(SETUP) | {"steps": -5, "noise": "loud"}
    data["runs"] = [
        *data["runs"],
        {"optimizer": "adamm", "lr": 0.1},
        {"optimizer": "sgd", "lr": -1},
    ]
    at = open_file(app(), "setup.json", codecs.json.dumps(data).encode())
    clean(at)
    (warning,) = [w.value for w in at.warning if w.value.startswith("This file")]
    assert warning.startswith("This file had values the lab could not use as given")
    assert "steps must be" in warning and "noise must be" in warning
    assert "unknown optimizer" in warning and "adamm" in warning
    assert "lr must be" in warning  # sgd's lr of -1 is out of its range
    got = shown(at)
    assert got.steps == ex.Experiment.steps and got.noise == 0.0
    assert got.surface == "formula" and got.seed == 42
    assert [r.optimizer for r in got.runs] == ["rmsprop", "adam", "lion", "sgd"]
