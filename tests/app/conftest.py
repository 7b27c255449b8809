"""AppTest settings shared by every test in this folder."""

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
