"""The dashboard script runs headless under Streamlit's AppTest without an exception."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard.py"


def test_dashboard_runs_and_shows_title():
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60).run()

    assert not at.exception, [exc.value for exc in at.exception]
    assert [title.value for title in at.title] == ["Optimizer Lab"]
