"""Untrusted text shown in Markdown elements (warnings quote the link's own values)."""

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    r"""Escape every Markdown (and Streamlit directive) character so text shows verbatim.

    >>> plain("[x](http://e.com) __a__ $1$")
    '\\[x\\]\\(http\\://e\\.com\\) \\_\\_a\\_\\_ \\$1\\$'
    """
    return _MARKDOWN.sub(r"\\\1", text)
