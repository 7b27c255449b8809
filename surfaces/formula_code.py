"""A typed formula as PyTorch source, printed from the same validated tree that is evaluated.

The printer mirrors ``expression._latex``: the tree ``expression._parse`` checked (never the
text) is written node by node, with only the brackets Python's precedence needs, so the code
computes the same operations in the same order. Parts that depend on x or y use ``torch``
functions (autograd then gives the gradient); constant parts use ``math``, as plain floats.
Numbers are written as float literals (``2.0``): Python would compute a power of integer
literals exactly, and without limit.

>>> torch_source("(1 - x)^2 + 100*(y - x^2)^2")
'(1.0 - x) ** 2 + 100.0 * (y - x ** 2) ** 2'
>>> torch_source("sin(2*pi*x) + min(x, 0)")
'torch.sin(2.0 * math.pi * x) + torch.minimum(x, torch.as_tensor(0.0))'
"""

from __future__ import annotations

from surfaces import expression
from surfaces.base import Surface

_SUM, _PRODUCT, _NEG, _POWER, _ATOM = 1, 2, 3, 4, 5
_BINARY = {"add": ("+", _SUM), "sub": ("-", _SUM), "mul": ("*", _PRODUCT), "div": ("/", _PRODUCT)}
_RENAMED = {"arctan": "atan"}  # torch.atan, math.atan
_PYTHON_BUILTINS = {"abs": "abs", "min": "min", "max": "max"}  # constant parts: builtins


def torch_source(surface: Surface | str) -> str:
    """The formula of ``surface`` (or the formula text) as a torch expression in ``x`` (and
    ``y``), tensors of float64."""
    text = expression._text_of(surface)
    root = expression._parse(text).tree
    memo: dict[int, tuple[str, int, bool]] = {}  # text, precedence, depends on a variable

    def wrap(node: expression.Node, below: int) -> str:
        text, prec, _ = memo[id(node)]
        return f"({text})" if prec < below else text

    def build(node: expression.Node) -> tuple[str, int, bool]:
        kind = node[0]
        if kind == "num":
            value = node[1]
            return (repr(value), _ATOM, False) if value >= 0 else (f"({value!r})", _ATOM, False)
        if kind == "var":
            return expression.VARIABLES[node[1]], _ATOM, True
        if kind in expression.CONSTANTS:
            return f"math.{kind}", _ATOM, False
        children = node[1:]
        varying = any(memo[id(c)][2] for c in children)
        if kind == "neg":
            return "-" + wrap(children[0], _POWER), _NEG, varying
        if kind in _BINARY:
            symbol, prec = _BINARY[kind]
            left = wrap(children[0], prec)
            right = wrap(children[1], prec + 1)  # left-associative: a - (b - c)
            return f"{left} {symbol} {right}", prec, varying
        if kind == "pow":
            left = wrap(children[0], _ATOM)  # (-x) ** 2, (x ** 2) ** 3
            exponent = children[1]
            if exponent[0] == "num" and float(exponent[1]).is_integer() and abs(exponent[1]) < 64:
                right = str(int(exponent[1]))  # x ** 2 (the same value as x ** 2.0)
            else:
                right = wrap(exponent, _NEG)  # x ** -y is Python
            return f"{left} ** {right}", _POWER, varying
        args = [memo[id(c)][0] for c in children]
        name = _RENAMED.get(kind, kind)
        if not varying:
            call = _PYTHON_BUILTINS.get(kind, f"math.{name}")
            return f"{call}({', '.join(args)})", _ATOM, False
        if kind in ("min", "max"):  # torch.minimum: a tie splits the gradient, as ours does
            both = [
                a if memo[id(c)][2] else f"torch.as_tensor({a})"
                for a, c in zip(args, children, strict=True)
            ]
            return f"torch.{kind}imum({', '.join(both)})", _ATOM, True
        return f"torch.{name}({', '.join(args)})", _ATOM, True

    for node in expression._postorder([root]):  # iterative: deep trees are fine
        memo[id(node)] = build(node)
    return memo[id(root)][0]
