"""A heatmap as one PNG image: thousands of SVG rectangles are the slowest thing a browser draws.

The colours come from :data:`STOPS`, interpolated linearly over the value range; the chart's
legend uses the same stops, so the picture and its legend agree. Written with the standard
library (zlib, struct, base64): no imaging dependency.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

# pale in the valleys, dark on the walls: coloured paths stay readable on top
STOPS = ["#F2F7F5", "#CFE7E3", "#9FD0D2", "#6FB4C8", "#4A93BA", "#33709F", "#264F7A"]
# P(class 1) from 0 to 1: ColorBrewer's RdBu, blue to red (Vega's "redblue", reversed)
RED_BLUE = [
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
]  # fmt: skip
MISSING = (255, 255, 255, 0)  # undefined values (NaN) are transparent: drawn as gaps


def colourise(values: np.ndarray, low: float, high: float, stops: list[str] = STOPS) -> np.ndarray:
    """RGBA bytes (ny, nx, 4) for a 2-D array, mapped through ``stops`` (colours ``#rrggbb``,
    by default :data:`STOPS`) over [low, high]."""
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in stops], dtype=float)
    span = high - low if high > low else 1.0
    with np.errstate(invalid="ignore"):
        t = np.clip((values - low) / span, 0.0, 1.0) * (len(stops) - 1)
    finite = np.isfinite(t)
    t = np.where(finite, t, 0.0)
    i = np.minimum(t.astype(int), len(stops) - 2)
    frac = (t - i)[..., None]
    colours = rgb[i] * (1 - frac) + rgb[i + 1] * frac
    out = np.empty((*values.shape, 4), dtype=np.uint8)
    out[..., :3] = np.round(colours)
    out[..., 3] = 255
    out[~finite] = MISSING
    return out


def png(rgba: np.ndarray) -> bytes:
    """Encode RGBA bytes (ny, nx, 4), first row at the top, as a PNG file."""
    height, width, _ = rgba.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), rgba.reshape(height, -1)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def data_url(values: np.ndarray, low: float, high: float, stops: list[str] = STOPS) -> str:
    """A ``data:image/png`` URL of ``values`` (row 0 = lowest y, flipped to the image's top)."""
    image = png(colourise(values[::-1], low, high, stops))
    return "data:image/png;base64," + base64.b64encode(image).decode("ascii")
