"""Untrusted text shown in Markdown elements (warnings quote the link's own values)."""

import re

_AUTOLINK = re.compile(r"(:/|www\.|@)", re.IGNORECASE)
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    r"""Escape every Markdown (and Streamlit directive) character so text shows verbatim, and
    break URL patterns with a zero-width space so bare addresses are not turned into links.

    >>> plain("[x](e.com) __a__ $1$")
    '\\[x\\]\\(e\\.com\\) \\_\\_a\\_\\_ \\$1\\$'
    >>> "://" in plain("https://e.com") or "www." in plain("www.e.com")
    False
    """
    text = _AUTOLINK.sub(lambda m: m[0][:-1] + "\u200b" + m[0][-1], text)
    return _MARKDOWN.sub(r"\\\1", text)
