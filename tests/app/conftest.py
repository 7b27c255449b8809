"""AppTest settings shared by every test in this folder."""

import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options


@pytest.fixture(autouse=True)
def full_error_details():
    """Show real exception messages in ``at.exception``.

    AppTest reads .streamlit/config.toml, whose classroom setting ``showErrorDetails = "none"``
    would turn every failure message into Streamlit's generic "This app has encountered an
    error" text.
    """
    with patch_config_options({"client.showErrorDetails": "full"}):
        yield


class _Caught(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.caught = records

    def emit(self, record: logging.LogRecord) -> None:
        self.caught.append(record)


@pytest.fixture(autouse=True)
def view_failures():
    """Every failure the page's guard caught in this test (``lab/ui/guard.py`` logs each one).

    The guard turns an exception in a view into a short error on the page, so ``at.exception``
    no longer sees it: this fixture fails any test in which a view broke, with the logged
    traceback. A test that breaks a view on purpose asserts on the list and empties it.
    """
    caught: list[logging.LogRecord] = []
    handler = _Caught(caught)
    logger = logging.getLogger("lab.ui.guard")
    logger.addHandler(handler)
    try:
        yield caught
    finally:
        logger.removeHandler(handler)
    formatter = logging.Formatter()
    assert not caught, "a view broke:\n" + "\n".join(formatter.format(r) for r in caught)


DASHBOARD = str(Path(__file__).parents[2] / "dashboard.py")


def _app(**query: object) -> AppTest:
    """The dashboard run once headless, opened with these query parameters (a link)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture(name="app", scope="session")
def _app_fixture():
    """``app(**query)``: a fresh AppTest of the dashboard (a fixture, because
    ``--import-mode=importlib`` gives test modules no import path to this file)."""
    return _app
