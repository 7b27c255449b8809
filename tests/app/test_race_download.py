"""The race downloads as a GIF: the Render button draws it on the server and offers the file."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from lab import animation
from lab.ui import state


@pytest.fixture
def stored(monkeypatch) -> list[tuple[bytes, str, str | None]]:
    """Every file the page hands a download button: (data, mime type, file name)."""
    files: list[tuple[bytes, str, str | None]] = []
    add = MediaFileManager.add

    def spy(self, path_or_data, mimetype, coordinates, file_name=None, **kwargs):
        files.append((path_or_data, mimetype, file_name))
        return add(self, path_or_data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", spy)
    return files


def test_render_button_offers_a_gif_of_the_lesson(app, stored, monkeypatch):
    renders = []
    render = animation.render
    monkeypatch.setattr(
        animation, "render", lambda *a, **k: renders.append(a[1]) or render(*a, **k)
    )
    at = app(lesson="ravine_zigzag")
    assert not at.exception
    assert [b.label for b in at.get("download_button")] == []  # nothing drawn until asked
    at.select_slider(key=state.RACE_FRAMES).set_value(24).run()
    at.button(key=state.RACE_RENDER).click().run(timeout=300)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    (button,) = at.get("download_button")
    assert button.label.startswith("Download the GIF (")
    gifs = [(data, name) for data, mime, name in stored if mime == "image/gif"]
    assert gifs, "no GIF was handed to a download button"
    data, name = gifs[-1]
    assert data[:6] == b"GIF89a"
    assert name == "optimizer-lab-ravine_zigzag-race.gif"
    assert renders == ["gif"]

    # a rerun keeps the download without drawing again (the file is cached)
    at.run(timeout=60)
    (button,) = at.get("download_button")
    assert button.label.startswith("Download the GIF (")
    assert renders == ["gif"]
