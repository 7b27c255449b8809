"""AppTest settings shared by every test in this folder."""

import pytest
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
