r"""Your own function: a formula typed by a user, parsed safely, with exact gradients.

`from_expression("(1 - x)^2 + 100*(y - x^2)^2")` returns a `Surface` usable wherever a built-in
one is. The text goes through four gates, and none of them runs Python or a computer-algebra
string parser (no eval, exec, sympify, numexpr, lambdify):

1. A hand-written scanner reads the text left to right and allows only: plain ASCII numbers
   (`2`, `0.5`, `1e-3`), the names in `VARIABLES`, `CONSTANTS` and `FUNCTIONS`, the operators
   `+ - * / ** ^`, parentheses, commas and spaces. Anything else (quotes, brackets, `_`, `.`
   outside a number, `#`, `;`, `=`, keywords, unknown names, non-ASCII look-alikes) is refused
   with a message naming it and its column. It also caps the length (`MAX_LENGTH`) and the
   bracket depth (`MAX_DEPTH`) before any parser sees the text.
2. `ast.parse(..., mode="eval")` builds a syntax tree (it only parses; nothing is compiled or
   run), after `^` has become `**`. The tree is checked against an explicit whitelist of node
   types (numbers, x/y/pi/e, + - * / **, unary minus, calls of whitelisted functions with the
   exact number of positional arguments) and a nesting depth; everything else is refused.
3. Every constant part is computed in IEEE floating point (numpy float64), never with Python
   integers, so `9**9**9**9` is refused in microseconds as an overflow instead of hanging;
   constant parts that are not finite (`1/0`, `log(-1)`, `1e999`) are refused.
4. The validated tree is differentiated symbolically by the rules in `_derivative`, and both f
   and its gradient are compiled into a small straight-line program (common sub-expressions
   shared, constants folded) that a loop runs with numpy ufuncs inside `np.errstate(all=
   "ignore")`: no warnings escape, and values outside the domain come back as NaN (log of a
   negative number) or ±inf (overflow). `check_domain` turns those into a message for the map.

The gradient shown by `gradient_latex` is printed from the same derivative tree that is
evaluated, so what the user reads is what the optimizers get. Conventions where f has a kink:
abs'(0) = sign(0) = 0, and min/max split the derivative evenly on a tie (θ(0) = ½), as
torch.minimum / torch.maximum do. Where f is NaN, the gradient is NaN too.

The LaTeX printer is our own (about fifty lines) rather than sympy's: building sympy
expressions evaluates powers of integers exactly (a hang vector for `(2*x)**(2**1000)`), and
printing unevaluated ones loses signs. sympy is used by the tests as an independent oracle for
the derivatives.

>>> s = from_expression("x^2 + 3*y")
>>> s.dim, s.formula
(2, 'f(x, y) = x^{2} + 3 y')
>>> s.grad([1.0, 2.0])
array([2., 3.])
>>> print(*gradient_latex(s), sep="\n")
\frac{\partial f}{\partial x} = 2 x
\frac{\partial f}{\partial y} = 3
"""

from __future__ import annotations

import ast
import difflib
import itertools
import keyword
import math
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from surfaces.base import Array, Surface, Work, as_points

MAX_LENGTH = 500  # characters of formula text
MAX_DEPTH = 40  # nesting: brackets, and levels of the syntax tree (a long sum counts as one)
MAX_BOUND = 1e9  # largest |low| or |high| of a plotting window
MAX_SHOWN_NODES = 3000  # a gradient longer than this is not printed (it would not be read)
DEFAULT_BOUNDS = (-5.0, 5.0)
SEARCH = 10.0  # with no bounds given, critical points are looked for in [-SEARCH, SEARCH]
LOG_DECADES = 2.5  # f >= 0 whose 5%..95% values span this many decades: a log colour scale
VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
FUNCTIONS = {  # name: number of arguments
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "exp": 1,
    "log": 1,
    "sqrt": 1,
    "abs": 1,
    "tanh": 1,
    "sinh": 1,
    "cosh": 1,
    "arctan": 1,
    "min": 2,
    "max": 2,
}
NAME = "formula"  # its registry name: surfaces.get("formula", text=..., bounds=...)
DEFAULT_TEXT = "x^2 + 3*y^2 - x*y"

_ALLOWED_NAMES = (*VARIABLES, *CONSTANTS, *FUNCTIONS)
_GRAMMAR = (
    "a formula uses numbers, x and y, pi and e, + - * / ^ (or **), parentheses and the "
    f"functions {', '.join(sorted(FUNCTIONS))}"
)


class FormulaError(ValueError):
    """A formula outside the grammar; `column` (1-based) is where, or None for the whole text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"column {column}: {message}")
        self.column = column


# --- gate 1: the scanner ---------------------------------------------------------------------

_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_CHAR_PROBLEMS = {
    "_": "underscores are not allowed (no Python names such as __import__)",
    "[": "square brackets (subscripts, lists) are not allowed",
    "]": "square brackets (subscripts, lists) are not allowed",
    "{": "braces (sets, dicts) are not allowed",
    "}": "braces (sets, dicts) are not allowed",
    "'": "quotes (strings) are not allowed",
    '"': "quotes (strings) are not allowed",
    ":": "':' (lambda, slices, :=) is not allowed",
    ";": "';' (more than one statement) is not allowed",
    "=": "'=' (assignment, keyword arguments, comparisons) is not allowed",
    "#": "'#' (comments) is not allowed",
    "<": "comparisons are not allowed",
    ">": "comparisons are not allowed",
    "!": "'!' is not allowed",
    "%": "'%' (remainder) is not allowed",
    "@": "'@' (matrix product) is not allowed",
    "~": "'~' (bitwise not) is not allowed",
    "&": "'&' is not allowed",
    "|": "'|' is not allowed: write abs(x) for |x|",
    "\\": "backslashes are not allowed",
    "`": "backquotes are not allowed",
    "$": "'$' is not allowed",
    "?": "'?' is not allowed",
    "\n": "line breaks are not allowed: a formula is one expression on one line",
    "\r": "line breaks are not allowed: a formula is one expression on one line",
}
_LOOKALIKES = {
    "−": "-",
    "–": "-",
    "—": "-",
    "×": "*",
    "·": "*",
    "⋅": "*",
    "∗": "*",
    "÷": "/",
    "²": "^2",
    "³": "^3",
    "π": "pi",
    "（": "(",
    "）": ")",
    "，": ",",
    "＋": "+",
    "ｘ": "x",
    "х": "x",  # Cyrillic
    "у": "y",  # Cyrillic
    "е": "e",  # Cyrillic
    "ѕ": "s",  # Cyrillic
    "і": "i",  # Cyrillic
    "ο": "o",  # Greek
}


def _char_problem(c: str) -> str:
    if c in _CHAR_PROBLEMS:
        return _CHAR_PROBLEMS[c]
    code = f"U+{ord(c):04X}"
    if not c.isprintable() or c.isspace():
        return f"the invisible or control character {code} is not allowed"
    if not c.isascii():
        hint = f"; type '{_LOOKALIKES[c]}' instead" if c in _LOOKALIKES else ""
        return f"the non-ASCII character '{c}' ({code}) is not allowed{hint}"
    return f"'{c}' is not allowed"


def _word_problem(word: str) -> str:
    if keyword.iskeyword(word) or keyword.issoftkeyword(word):
        return f"'{word}' is a Python keyword: statements and keywords are not allowed"
    hint = ""
    if set(word) <= {"x", "y"} or re.fullmatch(r"[xy][0-9]+", word):
        hint = f"; for a product write {'*'.join(re.findall(r'[xy]|[0-9]+', word))}"
    else:
        close = difflib.get_close_matches(word.lower(), _ALLOWED_NAMES, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean {close[0]}?"
    return (
        f"unknown name '{word}'{hint} (names allowed: x, y, pi, e and the functions "
        f"{', '.join(sorted(FUNCTIONS))})"
    )


def _scan(text: str) -> None:
    """Refuse, in reading order, the first character or word outside the grammar."""
    opened: list[int] = []
    i = 0
    while i < len(text):
        c, column = text[i], i + 1
        if c in " \t":
            i += 1
        elif c in _DIGITS or (c == "." and text[i + 1 : i + 2] in _DIGITS):
            match = _NUMBER.match(text, i)
            assert match is not None  # a digit, or '.' and a digit, always starts a number
            i = match.end()
            after = text[i : i + 1]
            if after in _LETTERS:
                raise FormulaError(
                    f"a number directly followed by '{after}': write 2*x for a product "
                    "(hexadecimal, binary and complex numbers are not supported)",
                    i + 1,
                )
            if after == ".":
                raise FormulaError("a second '.' in a number", i + 1)
        elif c in _LETTERS:
            match = _WORD.match(text, i)
            assert match is not None
            if match.group() not in _ALLOWED_NAMES:
                raise FormulaError(_word_problem(match.group()), column)
            i = match.end()
        elif c == ".":
            raise FormulaError(
                "'.' is only allowed inside a number such as 0.5 (no attribute access, no ...)",
                column,
            )
        elif c == "(":
            opened.append(column)
            if len(opened) > MAX_DEPTH:
                raise FormulaError(f"brackets are nested more than {MAX_DEPTH} deep", column)
            i += 1
        elif c == ")":
            if not opened:
                raise FormulaError("')' without a matching '('", column)
            opened.pop()
            i += 1
        elif c in "+-*/^,":
            i += 1
        else:
            raise FormulaError(_char_problem(c), column)
    if opened:
        raise FormulaError("'(' is never closed", opened[-1])


# --- gate 2: parse and validate the tree -------------------------------------------------------

# A tree node is a tuple: ("num", value, text) | ("var", index) | ("pi",) | ("e",) |
# (op, *children) for op in _OPS. Tuples are hashable, picklable and immutable.
Node = tuple[Any, ...]

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_FORBIDDEN_OPERATORS = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitXor: "xor",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Not: "not",
    ast.Invert: "~",
}
_FORBIDDEN_NODES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambda",
    ast.IfExp: "if/else expressions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Tuple: "tuples (a comma outside a function call, or empty parentheses)",
    ast.List: "lists",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Starred: "* unpacking",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


def _describe_constant(value: object) -> str:
    if isinstance(value, bool):
        return "True and False"
    if value is None:
        return "None"
    if value is Ellipsis:
        return "'...'"
    if isinstance(value, complex):
        return "complex numbers"
    if isinstance(value, str | bytes):
        return "strings"
    return f"constants of type {type(value).__name__}"


class _Source:
    """The original text and, for each character of the parsed text, its original position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.parsed = text.replace("^", "**")
        positions: list[int] = []
        for i, c in enumerate(text):
            positions += [i, i] if c == "^" else [i]
        self.positions = [*positions, len(text)]

    def column(self, offset: int) -> int:
        """1-based column in the original text of 0-based `offset` in the parsed text."""
        return self.positions[min(max(offset, 0), len(self.positions) - 1)] + 1

    def error(self, node: ast.expr | ast.keyword, problem: str) -> FormulaError:
        return FormulaError(problem, self.column(node.col_offset))

    def segment(self, node: ast.AST, limit: int = 40) -> str:
        """The original text of `node`, shortened to `limit` characters for messages."""
        start = self.positions[node.col_offset]  # type: ignore[attr-defined]
        end = self.positions[node.end_col_offset - 1] + 1  # type: ignore[attr-defined]
        text = self.text[start:end]
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_depth(root: ast.AST, source: _Source) -> None:
    """Refuse trees nested deeper than MAX_DEPTH; a chain like a + b - c + … is one level."""

    def chain(node: ast.AST) -> str | None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            return "sum"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
            return "product"
        return None

    stack = [(root, 1)]
    while stack:  # iterative: the check itself cannot overflow the call stack
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise source.error(node, f"the formula is nested more than {MAX_DEPTH} levels deep")
        kind = chain(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr | ast.keyword):
                same = kind is not None and chain(child) == kind
                stack.append((child, depth if same else depth + 1))


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _convert(node: ast.AST, source: _Source, used: set[int]) -> tuple[Node, float | None]:
    """Validated tree node and, for a constant part, its float64 value (else None).

    A left-leaning chain such as x + y - z * w + … is walked in a loop rather than by
    recursion, so the recursion depth stays within the nesting depth checked before.
    """
    spine: list[ast.BinOp] = []
    while isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Pow):
        spine.append(node)
        node = node.left
    tree, value = _convert_one(node, source, used)
    for binop in reversed(spine):
        tree, value = _convert_binary(binop, tree, value, source, used)
    return tree, value


def _convert_binary(
    node: ast.BinOp, left: Node, a: float | None, source: _Source, used: set[int]
) -> tuple[Node, float | None]:
    op = _BINARY.get(type(node.op))
    if op is None:
        symbol = _FORBIDDEN_OPERATORS.get(type(node.op), type(node.op).__name__)
        at = node.left.end_col_offset or 0  # the operator: after the left operand's ) and spaces
        while source.parsed[at : at + 1] in (" ", "\t", ")"):
            at += 1
        raise FormulaError(f"the operator {symbol} is not allowed; {_GRAMMAR}", source.column(at))
    right, b = _convert(node.right, source, used)
    value = None if a is None or b is None else _fold(op, a, b)
    _check_constant(node, value, source)
    return (op, left, right), value


def _check_constant(node: ast.AST, value: float | None, source: _Source) -> None:
    if value is not None and not math.isfinite(value):
        kind = "not a number" if math.isnan(value) else "infinite"
        raise source.error(
            node, f"the constant {source.segment(node)} is {kind} in floating-point arithmetic"
        )


def _convert_one(node: ast.AST, source: _Source, used: set[int]) -> tuple[Node, float | None]:
    value: float | None = None
    if isinstance(node, ast.BinOp):  # a power: the only BinOp left after the spine
        left, a = _convert(node.left, source, used)
        tree, value = _convert_binary(node, left, a, source, used)
        return tree, value
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.UAdd):
            return _convert(node.operand, source, used)
        if not isinstance(node.op, ast.USub):
            symbol = _FORBIDDEN_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise source.error(node, f"the operator {symbol} is not allowed; {_GRAMMAR}")
        inner, a = _convert(node.operand, source, used)
        return ("neg", inner), (None if a is None else -a)
    if isinstance(node, ast.Constant):
        literal = node.value
        if type(literal) not in (int, float):  # exact types: bool is an int subclass
            raise source.error(node, f"{_describe_constant(literal)} are not allowed; {_GRAMMAR}")
        try:
            value = float(literal)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise source.error(node, f"the number {source.segment(node)} is too large")
        text = repr(literal) if type(literal) is int else _number_text(value)
        return ("num", value, text), value
    if isinstance(node, ast.Name):
        if node.id in VARIABLES:
            used.add(VARIABLES.index(node.id))
            return ("var", VARIABLES.index(node.id)), None
        if node.id in CONSTANTS:
            return (node.id,), CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise source.error(node, f"{node.id} is a function: call it, e.g. {node.id}(x)")
        raise source.error(node, _word_problem(node.id))
    if isinstance(node, ast.Call):
        tree, value = _convert_call(node, source, used)
        _check_constant(node, value, source)
        return tree, value
    what = _FORBIDDEN_NODES.get(type(node), type(node).__name__)
    raise source.error(node, f"{what} are not allowed; {_GRAMMAR}")


def _convert_call(node: ast.Call, source: _Source, used: set[int]) -> tuple[Node, float | None]:
    func = node.func
    if not isinstance(func, ast.Name):
        what = _FORBIDDEN_NODES.get(type(func), "the result of an expression")
        functions = ", ".join(sorted(FUNCTIONS))
        raise source.error(node, f"calling {what} is not allowed: only {functions} are called")
    if func.id not in FUNCTIONS:
        if func.id in VARIABLES or func.id in CONSTANTS:
            raise source.error(
                node, f"{func.id} is not a function: write {func.id}*(...) for a product"
            )
        raise source.error(node, _word_problem(func.id))
    if node.keywords:
        raise source.error(node.keywords[0], "keyword arguments and ** are not allowed")
    starred = [a for a in node.args if isinstance(a, ast.Starred)]
    if starred:
        raise source.error(starred[0], "* unpacking is not allowed")
    arity = FUNCTIONS[func.id]
    if len(node.args) != arity:
        plural = "argument" if arity == 1 else "arguments"
        raise source.error(node, f"{func.id} takes {arity} {plural}; got {len(node.args)}")
    converted = [_convert(a, source, used) for a in node.args]
    values = [v for _, v in converted]
    value = None if None in values else _fold(func.id, *values)  # type: ignore[arg-type]
    return (func.id, *(t for t, _ in converted)), value


_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "pow": 4}  # unary minus: 3, atoms: 5
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}


def _canonical(node: ast.AST, source: _Source) -> tuple[str, int]:
    """Compact text of a validated tree and its precedence: no spaces, `^` for powers, only the
    brackets the structure needs, numbers as typed. Never longer than the text it came from,
    so it passes the same limits when parsed again, and it parses to the same tree.
    """
    spine: list[ast.BinOp] = []
    while isinstance(node, ast.BinOp) and not isinstance(node.op, ast.Pow):
        spine.append(node)
        node = node.left
    text, prec = _canonical_one(node, source)
    for binop in reversed(spine):  # left-associative: the right operand needs brackets at ==
        op = _BINARY[type(binop.op)]
        right, rp = _canonical(binop.right, source)
        text = f"({text})" if prec < _PRECEDENCE[op] else text
        right = f"({right})" if rp <= _PRECEDENCE[op] else right
        text, prec = text + _SYMBOLS[op] + right, _PRECEDENCE[op]
    return text, prec


def _canonical_one(node: ast.AST, source: _Source) -> tuple[str, int]:
    if isinstance(node, ast.BinOp):  # a power: right-associative, and ^-x needs no brackets
        left, lp = _canonical(node.left, source)
        right, rp = _canonical(node.right, source)
        left = f"({left})" if lp <= _PRECEDENCE["pow"] else left
        right = f"({right})" if rp < 3 else right
        return f"{left}^{right}", _PRECEDENCE["pow"]
    if isinstance(node, ast.UnaryOp):
        inner, ip = _canonical(node.operand, source)
        if isinstance(node.op, ast.UAdd):
            return inner, ip
        return "-" + (f"({inner})" if ip < 3 else inner), 3
    if isinstance(node, ast.Call):
        args = ",".join(_canonical(a, source)[0] for a in node.args)
        return f"{node.func.id}({args})", 5  # type: ignore[attr-defined]
    if isinstance(node, ast.Name):
        return node.id, 5
    return source.segment(node, limit=MAX_LENGTH), 5  # a number, as typed


class _Parsed(NamedTuple):
    tree: Node
    dim: int
    text: str  # canonical text: the same for formulas that differ only in spacing, ^ or parens


def _syntax_error(err: SyntaxError, source: _Source) -> FormulaError:
    """A plain-words FormulaError for what the Python parser rejected."""
    text = source.text.rstrip()
    if text[-1:] in tuple("+-*/^,("):
        return FormulaError(f"the formula ends with '{text[-1]}': an operand is missing")
    for gap in re.finditer(r"([A-Za-z0-9.]+|\))\s+(?=[A-Za-z0-9.(])", text):
        if not (gap.group(1) in FUNCTIONS and text[gap.end()] == "("):  # sin (x) is fine
            return FormulaError("an operator is missing here (write x*y, not x y)", gap.end() + 1)
    message = err.msg.split(". Perhaps")[0]  # Python's hints speak of Python, not formulas
    return FormulaError(message, source.column((err.offset or 1) - 1))


def _parse(text: str) -> _Parsed:
    if not isinstance(text, str):
        raise TypeError(f"the formula must be a str; got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}")
    if not text.strip():
        raise FormulaError("the formula is empty: type a function of x (and y), e.g. x^2 + y^2")
    _scan(text)
    source = _Source(text)
    try:  # only parses: ast.parse never compiles to byte code nor runs anything
        root = ast.parse(source.parsed, filename="<formula>", mode="eval")
    except SyntaxError as err:
        raise _syntax_error(err, source) from None
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is nested too deeply") from None
    _check_depth(root.body, source)
    used: set[int] = set()
    tree, _ = _convert(root.body, source, used)
    if not used:
        raise FormulaError("the formula must use x (a function of x, or of x and y)")
    return _Parsed(tree, 2 if 1 in used else 1, _canonical(root.body, source)[0])


# --- gate 3: arithmetic, in float64 only --------------------------------------------------------


def _power(a: Array, b: Array) -> Array:
    """a^b, but NaN when a or b is NaN: IEEE says NaN^0 = 1^NaN = 1, yet (x^x)^0 at x = -0.5
    is no more defined than x^x is, and f must be NaN wherever part of it is undefined."""
    return np.where(np.isnan(a) | np.isnan(b), np.nan, np.power(a, b))


def _heaviside(a: Array) -> Array:
    return np.heaviside(a, 0.5)


def _guarded(d: Array, term: Array) -> Array:
    return np.where(d == 0, 0.0, term)


_OPS: dict[str, Callable[..., Any]] = {
    "neg": np.negative,
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.divide,
    "pow": _power,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
    "min": np.minimum,
    "max": np.maximum,
    "sign": np.sign,  # only in derivatives: abs' = sign, with sign(0) = 0
    "heaviside": _heaviside,  # only in derivatives of min and max: θ(0) = 1/2
    "guard": _guarded,  # only in derivatives: (d, term) -> term, or 0 where d is 0
}


def _fold(op: str, *values: float) -> float:
    """A constant part computed as the evaluator would: float64, overflow gives inf."""
    with np.errstate(all="ignore"):
        return float(_OPS[op](*(np.float64(v) for v in values)))


# --- gate 4: symbolic derivative --------------------------------------------------------------

_ZERO: Node = ("num", 0.0, "0")
_ONE: Node = ("num", 1.0, "1")
_TWO: Node = ("num", 2.0, "2")


def _number(value: float) -> Node:
    if value < 0:
        return ("neg", ("num", -value, _number_text(-value)))
    return ("num", value + 0.0, _number_text(value + 0.0))


def _literal(node: Node) -> float | None:
    """The value of a number or a negated number, else None."""
    if node[0] == "num":
        return node[1]
    if node[0] == "neg" and node[1][0] == "num":
        return -node[1][1]
    return None


def _is(node: Node, value: float) -> bool:
    return node[0] == "num" and node[1] == value


# Smart constructors: drop zeros and ones and pull signs out, so the gradient reads as written
# by hand. They never change a value (up to rounding of folded numbers).


def _neg(a: Node) -> Node:
    if _is(a, 0.0):
        return _ZERO
    return a[1] if a[0] == "neg" else ("neg", a)


def _add(a: Node, b: Node) -> Node:
    if _is(a, 0.0):
        return b
    if _is(b, 0.0):
        return a
    if b[0] == "neg":
        return _sub(a, b[1])
    if a[0] == "neg":
        return _sub(b, a[1])
    return ("add", a, b)


def _sub(a: Node, b: Node) -> Node:
    if _is(b, 0.0):
        return a
    if _is(a, 0.0):
        return _neg(b)
    if b[0] == "neg":
        return _add(a, b[1])
    return ("sub", a, b)


def _mul(a: Node, b: Node) -> Node:
    if _is(a, 0.0) or _is(b, 0.0):
        return _ZERO
    if _is(a, 1.0):
        return b
    if _is(b, 1.0):
        return a
    if a[0] == "neg" or b[0] == "neg":
        product = _mul(*_unsign(a, b))
        return product if a[0] == b[0] == "neg" else _neg(product)
    c, rest = _split(("mul", a, b))  # gather the numbers in front: 2 x · 3 y -> 6 x y
    if c == 1.0 or not math.isfinite(c):
        return ("mul", a, b)
    # c >= 0: a negative number is a "neg" node, already pulled out above
    return _number(c) if rest is None else ("mul", _number(c), rest)


def _split(node: Node) -> tuple[float, Node | None]:
    """A product as (the product of its numbers, the other factors or None)."""
    c, factors, stack = 1.0, [], [node]
    while stack:
        n = stack.pop()
        if n[0] == "num":
            c *= n[1]
        elif n[0] == "mul":
            stack += [n[2], n[1]]  # the left factor is taken first
        else:
            factors.append(n)
    rest = None
    for f in factors:
        rest = f if rest is None else ("mul", rest, f)
    return c, rest


def _unsign(a: Node, b: Node) -> tuple[Node, Node]:
    return (a[1] if a[0] == "neg" else a), (b[1] if b[0] == "neg" else b)


def _div(a: Node, b: Node) -> Node:
    if _is(a, 0.0):
        return _ZERO
    if _is(b, 1.0):
        return a
    if a[0] == "neg" or b[0] == "neg":
        quotient = _div(*_unsign(a, b))
        return quotient if a[0] == b[0] == "neg" else _neg(quotient)
    ca, ra = _split(a)
    cb, rb = _split(b)
    if rb is not None and cb not in (0.0, 1.0) and (ca / cb).is_integer():  # 2x/(2√u) -> x/√u
        return _mul(_number(ca / cb), ("div", _ONE if ra is None else ra, rb))
    return ("div", a, b)


def _guard(d: Node, term: Node) -> Node:
    """`term`, but 0 wherever the derivative factor `d` is 0 (even if `term` is inf or NaN)."""
    if _is(term, 0.0) or _is(d, 0.0):
        return _ZERO
    if d[0] == "num":  # a non-zero constant never vanishes
        return term
    return ("guard", d, term)


def _pow(a: Node, b: Node) -> Node:
    if _is(b, 1.0):
        return a
    if _is(b, 0.0):
        return _ONE
    return ("pow", a, b)


def _children(node: Node) -> tuple[Node, ...]:
    return () if node[0] in ("num", "var", "pi", "e") else node[1:]


def _postorder(roots: Sequence[Node]) -> list[Node]:
    """Every distinct node (by identity) under `roots`, children before their parents.

    Iterative, because derivative trees can be far deeper than the formula they came from.
    """
    order: list[Node] = []
    seen: set[int] = set()
    stack = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack += [(c, False) for c in reversed(_children(node)) if id(c) not in seen]
    return order


def _derivative(root: Node, var: int) -> Node:
    """∂root/∂x_var as a tree; shared sub-trees stay shared, so the cost is linear in the tree.

    A part that does not depend on x_var gets the derivative 0 from the rules themselves.
    """
    done: dict[int, Node] = {}
    for node in _postorder([root]):  # the list keeps every node alive, so ids stay unique
        done[id(node)] = _rule(node, var, done)
    return done[id(root)]


def _rule(node: Node, var: int, done: dict[int, Node]) -> Node:
    kind = node[0]
    if kind in ("num", "pi", "e"):
        return _ZERO
    if kind == "var":
        return _ONE if node[1] == var else _ZERO
    u = node[1]
    du = done[id(u)]
    if kind == "neg":
        return _neg(du)
    if len(node) == 3:
        return _rule_binary(kind, node, u, node[2], du, done[id(node[2])])
    if kind == "sin":
        return _mul(("cos", u), du)
    if kind == "cos":
        return _neg(_mul(("sin", u), du))
    if kind == "tan":
        return _div(du, _pow(("cos", u), _TWO))
    if kind == "exp":
        return _mul(node, du)
    if kind == "log":
        return _guard(du, _div(du, u))
    if kind == "sqrt":
        return _guard(du, _div(du, _mul(_TWO, node)))
    if kind == "abs":
        return _mul(("sign", u), du)
    if kind == "tanh":
        return _mul(_sub(_ONE, _pow(node, _TWO)), du)
    if kind == "sinh":
        return _mul(("cosh", u), du)
    if kind == "cosh":
        return _mul(("sinh", u), du)
    if kind == "arctan":
        return _div(du, _add(_ONE, _pow(u, _TWO)))
    raise AssertionError(f"no derivative rule for {kind}")  # pragma: no cover


def _rule_binary(kind: str, node: Node, a: Node, b: Node, da: Node, db: Node) -> Node:
    if kind == "add":
        return _add(da, db)
    if kind == "sub":
        return _sub(da, db)
    if kind == "mul":
        return _add(_mul(da, b), _mul(a, db))
    if kind == "div":
        if _is(db, 0.0):  # b does not depend on this variable
            return _div(da, b)
        return _div(_sub(_mul(da, b), _mul(a, db)), _pow(b, _TWO))
    if kind in ("min", "max"):  # θ(0) = 1/2: a tie splits the derivative evenly
        first, second = (_sub(b, a), _sub(a, b)) if kind == "min" else (_sub(a, b), _sub(b, a))
        return _add(_mul(("heaviside", first), da), _mul(("heaviside", second), db))
    if kind != "pow":  # pragma: no cover
        raise AssertionError(f"no derivative rule for {kind}")
    # d(a^b) = b a^(b-1) da + a^b log(a) db, each term guarded: where its da or db is 0 the
    # term is 0 even if a^(b-1) or log(a) is not finite (x^max(x, 0) is 1 for x < 0: slope 0).
    k = _literal(b)
    if _is(db, 0.0):
        if k is None:
            return _guard(da, _mul(_mul(b, _pow(a, _sub(b, _ONE))), da))
        if k == 0:  # 0 everywhere, even at a = 0
            return _ZERO
        term = _mul(_mul(_number(k), _pow(a, _number(k - 1))), da)
        return term if k >= 1 else _guard(da, term)  # a^(k-1) is finite for k >= 1
    by_b = _mul(node, db) if a == ("e",) else _guard(db, _mul(_mul(node, ("log", a)), db))
    by_b = _guard(node, by_b)  # where a^b = 0 (a = 0 < b) it stays 0 as b moves: 0, not NaN
    if _is(da, 0.0):
        return by_b
    return _add(_guard(da, _mul(_mul(b, _pow(a, _sub(b, _ONE))), da)), by_b)


# --- compiled programs ----------------------------------------------------------------------------


class Program(NamedTuple):
    """Straight-line code computing some outputs from the coordinates of points.

    Each instruction is (op, payload, args, frees): op is "var" (payload: coordinate index),
    "num" (payload: the value) or a key of `_OPS` applied to earlier results `args`; `frees`
    lists results no longer needed afterwards. Hashable and picklable (plain tuples).
    """

    dim: int
    code: tuple[tuple[str, Any, tuple[int, ...], tuple[int, ...]], ...]
    outputs: tuple[int, ...]


def _compile(roots: Sequence[Node], dim: int) -> Program:
    code: list[tuple[str, Any, tuple[int, ...]]] = []
    consts: dict[int, float] = {}
    interned: dict[tuple[Any, ...], int] = {}
    memo: dict[int, int] = {}

    def emit(op: str, payload: Any, args: tuple[int, ...]) -> int:
        if op not in ("var", "num") and all(a in consts for a in args):
            op, payload, args = "num", _fold(op, *(consts[a] for a in args)), ()
        key = (op, repr(payload), args)  # repr: keeps -0.0 apart from 0.0, and NaN equal
        if key not in interned:
            interned[key] = len(code)
            if op == "num":
                consts[len(code)] = payload
            code.append((op, payload, args))
        return interned[key]

    for node in _postorder(roots):  # the list keeps every node alive, so ids stay unique
        kind = node[0]
        if kind in ("num", "var"):
            reg = emit(kind, node[1], ())
        elif kind in CONSTANTS:
            reg = emit("num", CONSTANTS[kind], ())
        else:
            reg = emit(kind, None, tuple(memo[id(c)] for c in node[1:]))
        memo[id(node)] = reg
    outputs = [memo[id(r)] for r in roots]
    # Keep only what the outputs need (folding leaves unused constants behind), renumbered.
    needed = set(outputs)
    for j in range(len(code) - 1, -1, -1):
        if j in needed:
            needed.update(code[j][2])
    index = {old: new for new, old in enumerate(sorted(needed))}
    kept = [
        (op, p, tuple(index[a] for a in args))
        for j, (op, p, args) in enumerate(code)
        if j in needed
    ]
    last_use: dict[int, int] = {}
    for j, (_, _, args) in enumerate(kept):
        for a in args:
            last_use[a] = j
    outs = tuple(index[o] for o in outputs)
    frees: list[list[int]] = [[] for _ in kept]
    for reg, j in last_use.items():
        if reg not in outs:
            frees[j].append(reg)
    final = tuple(
        (op, p, args, tuple(sorted(f))) for (op, p, args), f in zip(kept, frees, strict=True)
    )
    return Program(dim, final, outs)


def _work(program: Program) -> Work:
    """What running `program` costs per point: its operations (each reads one or two values
    and writes one), and the most values alive at once (with the coordinates and the stacked
    gradient)."""
    live, most, calls, values = 0, 0, 4, 4 * program.dim
    for op, _, args, frees in program.code:
        if op != "num":
            live += 1
            most = max(most, live)
        if op not in ("var", "num"):
            calls += 3  # the ufunc, and the interpreter loop of `_run` around it
            values += 1 + len(args)
        live -= len(frees)
    return Work(calls=calls, values=values, held=most + 2 * program.dim + 2)


def _run(program: Program, x: Array) -> list[Array]:
    """Every output of `program` at points x (..., dim), as fresh float arrays of shape (...)."""
    regs: list[Any] = [None] * len(program.code)
    with np.errstate(all="ignore"):
        for j, (op, payload, args, frees) in enumerate(program.code):
            if op == "var":
                regs[j] = x[..., payload]
            elif op == "num":
                regs[j] = payload
            else:
                regs[j] = _OPS[op](*(regs[a] for a in args))
            for k in frees:
                regs[k] = None
    shape = x.shape[:-1]
    return [np.array(np.broadcast_to(regs[o], shape), dtype=float) for o in program.outputs]


def _value(program: Program, x: Array) -> Array:
    """f at points x (..., dim); NaN where f is undefined, ±inf where it overflows."""
    return _run(program, x)[0]


def _gradient(program: Program, x: Array) -> Array:
    """Exact gradient at points x (..., dim) -> (..., dim); NaN wherever f itself is NaN."""
    f, *parts = _run(program, x)
    g = np.stack(parts, axis=-1)
    g[np.isnan(f)] = np.nan
    return g


# --- LaTeX --------------------------------------------------------------------------------------

_SUM, _PRODUCT, _POWER, _ATOM = 1, 2, 4, 5
_COMMANDS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "log": r"\log",
    "tanh": r"\tanh",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "arctan": r"\arctan",
    "min": r"\min",
    "max": r"\max",
    "sign": r"\operatorname{sign}",
    "heaviside": r"\theta",
}


def _number_latex(text: str) -> tuple[str, int]:
    if "e" not in text:
        return text, _ATOM
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    if mantissa == "1":
        return power, _POWER
    return rf"{mantissa} \cdot {power}", _PRODUCT


def _latex(root: Node) -> str:
    """LaTeX of a tree, parenthesised by precedence; shared sub-trees are printed once each."""
    memo: dict[int, tuple[str, int]] = {}

    def tex(node: Node) -> tuple[str, int]:
        return memo[id(node)]

    def wrapped(node: Node, below: int, neg_too: bool = False) -> str:
        s, prec = tex(node)
        if prec <= below or (neg_too and node[0] == "neg"):
            return rf"\left({s}\right)"
        return s

    def build(node: Node) -> tuple[str, int]:
        kind = node[0]
        if kind == "num":
            return _number_latex(node[2])
        if kind == "var":
            return VARIABLES[node[1]], _ATOM
        if kind == "pi":
            return r"\pi", _ATOM
        if kind == "e":
            return "e", _ATOM
        if kind == "neg":
            return "-" + wrapped(node[1], _SUM, neg_too=True), _PRODUCT
        if kind == "add":
            return f"{tex(node[1])[0]} + {wrapped(node[2], 0, neg_too=True)}", _SUM
        if kind == "sub":
            return f"{tex(node[1])[0]} - {wrapped(node[2], _SUM, neg_too=True)}", _SUM
        if kind == "mul":
            left, right = wrapped(node[1], _SUM), wrapped(node[2], _SUM, neg_too=True)
            dot = r" \cdot " if right[:1] in _DIGITS or node[2][0] == "num" else " "
            return left + dot + right, _PRODUCT
        if kind == "div":
            return rf"\frac{{{tex(node[1])[0]}}}{{{tex(node[2])[0]}}}", _PRODUCT
        if kind == "pow":
            return f"{wrapped(node[1], _POWER)}^{{{tex(node[2])[0]}}}", _POWER
        args = [tex(c)[0] for c in node[1:]]
        if kind == "guard":  # how it is evaluated, not what it means: print the term
            return tex(node[2])
        if kind == "sqrt":
            return rf"\sqrt{{{args[0]}}}", _ATOM
        if kind == "abs":
            return rf"\left|{args[0]}\right|", _ATOM
        if kind == "exp":
            return f"e^{{{args[0]}}}", _POWER
        return rf"{_COMMANDS[kind]}\left({', '.join(args)}\right)", _ATOM

    for node in _postorder([root]):  # iterative; the list keeps nodes alive
        memo[id(node)] = build(node)
    return tex(root)[0]


def _printed_size(root: Node) -> int:
    """Number of nodes the printed form has (shared sub-trees counted each time they appear)."""
    size: dict[int, int] = {}
    for node in _postorder([root]):
        size[id(node)] = 1 + sum(size[id(c)] for c in _children(node))
    return size[id(root)]


def _lhs(dim: int) -> str:
    return "f(x) = " if dim == 1 else "f(x, y) = "


# --- the public API -------------------------------------------------------------------------------


def _bounds(bounds: ArrayLike | None, dim: int) -> tuple[tuple[float, float], ...]:
    if bounds is None:
        return (DEFAULT_BOUNDS,) * dim
    problem = (
        f"bounds must be (low, high) or {dim} such pair(s), with finite low < high and "
        f"|low|, |high| <= {MAX_BOUND:g}; got {bounds!r}"
    )
    try:
        arr = np.array(bounds, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(problem) from None
    if arr.shape == (2,):
        arr = np.tile(arr, (dim, 1))
    if arr.shape != (dim, 2) or not np.all(np.abs(arr) <= MAX_BOUND):  # NaN fails too
        raise ValueError(problem)
    if not np.all(arr[:, 0] < arr[:, 1]):
        raise ValueError(problem)
    return tuple((float(lo), float(hi)) for lo, hi in arr)


def _critical_points(jac: Program, box: tuple[tuple[float, float], ...]) -> tuple[Array, float]:
    """Approximate points in ``box`` where the gradient vanishes, and the grid step used.

    1-D: sign changes of f' between neighbouring samples of a fine grid (exact zeros skipped, so
    a flat f gives none). 2-D: the centres of grid cells whose corners hold both signs of
    ∂f/∂x and both signs of ∂f/∂y. Only where f and the gradient are finite.
    """
    dim = len(box)
    n = 2001 if dim == 1 else 161
    axes = [np.linspace(lo, hi, n) for lo, hi in box]
    step = max((hi - lo) / (n - 1) for lo, hi in box)
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    f, *parts = _run(jac, points)
    g = np.stack(parts, axis=-1)
    ok = np.isfinite(f)[..., None] & np.isfinite(g)
    sign = np.where(ok, np.sign(g), np.nan)  # NaN compares false: undefined is no sign
    if dim == 1:
        x, s = axes[0], sign[:, 0]
        keep = np.isfinite(s) & (s != 0)
        x, s = x[keep], s[keep]
        change = np.flatnonzero(s[:-1] * s[1:] < 0)
        return ((x[change] + x[change + 1]) / 2)[:, None], step
    corners = np.stack([sign[:-1, :-1], sign[1:, :-1], sign[:-1, 1:], sign[1:, 1:]], axis=0)
    both = np.all((corners >= 0).any(axis=0) & (corners <= 0).any(axis=0), axis=-1)
    # along a steep valley both signs meet in many cells: keep those at a local minimum of |∇f|
    norm = np.where(ok.all(axis=-1), np.linalg.norm(np.where(ok, g, 0.0), axis=-1), np.inf)
    padded = np.pad(norm, 1, constant_values=np.inf)
    neighbours = [
        padded[1 + i : n + 1 + i, 1 + j : n + 1 + j] for i in (-1, 0, 1) for j in (-1, 0, 1)
    ]
    lowest = norm <= np.min(neighbours, axis=0)
    at_low = np.stack([lowest[:-1, :-1], lowest[1:, :-1], lowest[:-1, 1:], lowest[1:, 1:]]).any(0)
    centres = (points[:-1, :-1] + points[1:, 1:]) / 2
    finite = norm[np.isfinite(norm)]
    scale = float(np.median(finite)) if len(finite) else 1.0
    found = _newton(jac, centres[both & at_low][:400], 2 * step, scale)
    return found, step


def _newton(jac: Program, x: Array, reach: float, scale: float) -> Array:
    """Candidates polished by Newton's method on the gradient (finite-difference Hessian): the
    ones that converge within ``reach`` of where they started, one per critical point."""
    if not len(x):
        return x

    def grad(p: Array) -> Array:
        return np.stack(_run(jac, p)[1:], axis=-1)

    start = x
    for _ in range(10):
        g = grad(x)
        e = 1e-6 * (1 + np.abs(x))
        columns = [
            (grad(x + e * np.eye(2)[i]) - grad(x - e * np.eye(2)[i])) / (2 * e[:, i : i + 1])
            for i in range(2)
        ]
        hessian = np.stack(columns, axis=-1)
        ok = np.isfinite(hessian).all(axis=(1, 2)) & (np.abs(np.linalg.det(hessian)) > 1e-300)
        step = np.zeros_like(x)
        step[ok] = np.linalg.solve(hessian[ok], g[ok][..., None])[..., 0]
        x = x - np.where(np.isfinite(step), step, 0.0)
    done = np.linalg.norm(grad(x), axis=-1) <= 1e-6 * (1 + scale)
    done &= np.linalg.norm(x - start, axis=-1) <= reach * np.sqrt(2)
    return np.unique(np.round(x[done], 6), axis=0)


def _nice(value: float, step: float, up: bool) -> float:
    return float((np.ceil if up else np.floor)(value / step - 1e-9 * (1 if up else -1)) * step)


def _auto_bounds(jac: Program, dim: int) -> tuple[tuple[float, float], ...]:
    """A window that shows the formula's structure: its critical points (found in
    [-SEARCH, SEARCH] on every axis), padded by half their spread on each side (at least 1, and
    a quarter of the widest spread); around a lone critical point, ±5; (-5, 5) where there is
    none. Edges are rounded outward to a multiple of 0.5 and capped at ±SEARCH."""
    critical, step = _critical_points(jac, ((-SEARCH, SEARCH),) * dim)
    if not len(critical):
        return (DEFAULT_BOUNDS,) * dim
    low, high = critical.min(axis=0), critical.max(axis=0)
    spread = high - low
    if spread.max() <= 3 * step:  # one critical point (a 2-D one shows as a few grid cells)
        centre = np.round((low + high) / 2 * 2) / 2
        low, high, pad = centre, centre, np.full(dim, DEFAULT_BOUNDS[1])
    else:
        pad = np.full(dim, max(spread.max() / 4, 1.0))
    window = []
    for lo, hi in zip(low - pad, high + pad, strict=True):
        lo, hi = max(_nice(lo, 0.5, up=False), -SEARCH), min(_nice(hi, 0.5, up=True), SEARCH)
        window.append((lo, hi) if lo < hi else DEFAULT_BOUNDS)
    return tuple(window)


def _start(jac: Program, bounds: tuple[tuple[float, float], ...]) -> tuple[float, ...]:
    """A start 60% along each axis, or the nearest such grid point where f and grad exist, on a
    slope: at least 8% of the window from every critical point in it (not in a minimum)."""
    fractions = (0.6, 0.4, 0.7, 0.3, 0.8, 0.2, 0.9, 0.1)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    points = lo + np.array(list(itertools.product(fractions, repeat=len(bounds)))) * (hi - lo)
    f, *parts = _run(jac, points)
    g = np.stack(parts, axis=-1)
    finite = np.isfinite(f) & np.all(np.isfinite(g), axis=-1)
    critical, _ = _critical_points(jac, bounds)
    if len(critical):
        gaps = (points[:, None, :] - critical[None, :, :]) / (hi - lo)
        away = np.linalg.norm(gaps, axis=-1).min(axis=1) >= 0.08 - 1e-12
    else:
        away = np.ones(len(points), dtype=bool)
    sloped = finite & np.any(g != 0, axis=-1)
    for ok in (sloped & away, sloped, finite):
        if ok.any():
            return tuple(float(v) for v in points[int(np.argmax(ok))])
    return tuple(float(v) for v in points[0])


def _spans_decades(value: Program, bounds: tuple[tuple[float, float], ...]) -> bool:
    """Whether f >= 0 over the window and its values span ``LOG_DECADES`` or more (5% to 95%),
    as a typed Rosenbrock does: its map then needs a log colour scale."""
    axes = [np.linspace(lo, hi, 96 if len(bounds) == 2 else 2001) for lo, hi in bounds]
    points = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(bounds))
    (f,) = _run(value, points)
    f = f[np.isfinite(f)]
    if len(f) < 0.5 * len(points) or f.min() < 0 or np.mean(f == 0) > 0.05:
        return False
    low, high = np.quantile(f, [0.05, 0.95])
    return bool(high > 0 and np.log10(high / max(low, 1e-12 * high)) >= LOG_DECADES)


def from_expression(text: str, bounds: ArrayLike | None = None) -> Surface:
    """A `Surface` from a formula in x (1-D) or x and y (2-D), with its exact gradient.

    Grammar: numbers (`2`, `0.5`, `1e-3`), `x`, `y`, `pi`, `e`, `+ - * /`, powers `**` or `^`,
    parentheses and the functions in `FUNCTIONS` (`min` and `max` take two arguments, the rest
    one). The dimension is 2 if `y` appears, else 1. See the module docstring for how the text
    is checked; nothing in it is ever run as Python.

    Args:
        text: the formula, at most `MAX_LENGTH` characters, nested at most `MAX_DEPTH` deep.
        bounds: plotting window: one (low, high) pair for every axis, or one pair per axis;
            finite, low < high, |values| <= `MAX_BOUND`; kept exactly as given. None: a window
            that shows the formula's structure, around its critical points (see `_auto_bounds`;
            (-5, 5) on every axis where f has none, or a single one at 0).

    Returns:
        A Surface named "formula" whose `params` are {"text": canonical text, "bounds": ...}, so
        formulas differing only in spacing, `^` versus `**` or redundant parentheses are equal.
        It has no known minima (`f_min` is None); `f` and `grad` never warn and return NaN
        where f is undefined (see `check_domain`). Its start lies on a slope, away from the
        critical points in the window; `log_scale` is set where f >= 0 over the window spans
        several decades.

    Raises:
        FormulaError (a ValueError): text outside the grammar; the message names the problem
            and, where there is one, its column (also in the `column` attribute).
        ValueError: bad bounds.
        TypeError: text is not a str.

    >>> s = from_expression("x^4 - 3*x^2 + x", bounds=(-2.5, 2.5))
    >>> s.dim, s.params["text"], s.formula
    (1, 'x^4-3*x^2+x', 'f(x) = x^{4} - 3 x^{2} + x')
    >>> float(s.grad([1.0])[0])  # 4x³ − 6x + 1
    -1.0
    >>> try:
    ...     from_expression("x.__class__")
    ... except ValueError as err:
    ...     print(err)
    column 2: '.' is only allowed inside a number such as 0.5 (no attribute access, no ...)
    """
    try:
        parsed = _parse(text)
        given = _bounds(bounds, parsed.dim) if bounds is not None else None
        derivatives = [_derivative(parsed.tree, i) for i in range(parsed.dim)]
        value = _compile([parsed.tree], parsed.dim)
        jac = _compile([parsed.tree, *derivatives], parsed.dim)
        with np.errstate(all="ignore"):  # probing f over the window never warns
            window = given if given is not None else _auto_bounds(jac, parsed.dim)
            start = _start(jac, window)
            log_scale = parsed.dim == 2 and _spans_decades(value, window)  # a map's colours
        formula = _lhs(parsed.dim) + _latex(parsed.tree)
    except RecursionError:
        raise FormulaError("the formula is nested too deeply") from None
    return Surface(
        name=NAME,
        title="Your formula",
        dim=parsed.dim,
        fun=partial(_value, value),
        jac=partial(_gradient, jac),
        bounds=window,
        start=start,
        global_minima=np.empty((0, parsed.dim)),
        f_min=None,
        log_scale=log_scale,
        formula=formula,
        lesson="Your own formula: its minima are not known in advance, so a minimum marked on "
        "the map is only the lowest point of the map's grid.",
        param_items=(("text", parsed.text), ("bounds", window)),
        work=_work(jac),
    )


def _text_of(surface: Surface | str) -> str:
    if isinstance(surface, str):
        return surface
    if isinstance(surface, Surface) and surface.name == NAME:
        return surface.params["text"]
    raise ValueError(f"expected a formula or a surface made by from_expression; got {surface!r}")


def gradient_latex(surface: Surface | str) -> tuple[str, ...]:
    r"""The gradient, one LaTeX equation per coordinate, exactly as `grad` computes it.

    `f'(x) = …` in 1-D; `∂f/∂x = …` and `∂f/∂y = …` in 2-D. A derivative too long to read
    (more than `MAX_SHOWN_NODES` symbols) is replaced by a short note.

    Args:
        surface: a surface made by `from_expression`, or the formula text itself.

    >>> print(*gradient_latex("sin(x) * y"), sep="\n")
    \frac{\partial f}{\partial x} = \cos\left(x\right) y
    \frac{\partial f}{\partial y} = \sin\left(x\right)
    """
    parsed = _parse(_text_of(surface))
    if parsed.dim == 1:
        names = ["f'(x) = "]
    else:
        names = [rf"\frac{{\partial f}}{{\partial {v}}} = " for v in VARIABLES]
    out = []
    for i, name in enumerate(names):
        d = _derivative(parsed.tree, i)
        shown = r"\text{(too long to show)}"
        if _printed_size(d) <= MAX_SHOWN_NODES:
            shown = _latex(d)
        out.append(name + shown)
    return tuple(out)


_NAN_CAUSES = {  # an operation that makes NaN from inputs that are not NaN
    "log": "log of a negative number",
    "sqrt": "square root of a negative number",
    "pow": "a negative number to a fractional power",
    "div": "0/0 or ∞/∞",
    "add": "∞ − ∞",
    "sub": "∞ − ∞",
    "mul": "0 × ∞",
}
_INF_CAUSES = {  # an operation that makes ±inf from finite inputs
    "div": "division by zero",
    "log": "log of zero",
    "pow": "zero to a negative power, or overflow",
}


def check_domain(surface: Surface, points: ArrayLike) -> str | None:
    """A message when f is NaN or infinite at some of `points` (the plotting grid), else None.

    For a surface made by `from_expression` the message names the operation that failed
    first, e.g. "log of a negative number: f is undefined on 50% of the window (shown as
    gaps)". Evaluation never warns; the map should draw the non-finite cells as gaps.

    >>> import numpy as np
    >>> check_domain(from_expression("log(x)"), np.linspace(-1, 1, 4)[:, None])
    'log of a negative number: f is undefined on 50% of the window (shown as gaps)'
    >>> check_domain(from_expression("x^2"), [[0.0], [1.0]]) is None
    True
    """
    x = as_points(points, surface.dim, "points")
    if surface.name == NAME:
        program = _compile([_parse(surface.params["text"]).tree], surface.dim)
        values, cause_nan, cause_inf = _diagnose(program, x)
    else:
        with np.errstate(all="ignore"):
            values = np.asarray(surface.f(x), dtype=float)
        cause_nan, cause_inf = "", ""
    nan, inf = np.isnan(values), np.isinf(values)
    messages = []
    for mask, cause, what in ((nan, cause_nan, "undefined"), (inf, cause_inf, "infinite")):
        if mask.any():
            share = 100.0 * mask.mean()
            prefix = f"{cause}: " if cause else ""
            if mask.all():
                messages.append(f"{prefix}f is {what} everywhere in the window")
                continue
            amount = f"{share:.0f}%" if share >= 1 else "less than 1%"
            messages.append(f"{prefix}f is {what} on {amount} of the window (shown as gaps)")
    return "; ".join(messages) or None


def _diagnose(program: Program, x: Array) -> tuple[Array, str, str]:
    """f at x, and the first operations that made its NaN and its infinite values."""
    regs: list[Any] = [None] * len(program.code)
    nan_made: list[tuple[str, Array]] = []
    inf_made: list[tuple[str, Array]] = []
    shape = x.shape[:-1]
    with np.errstate(all="ignore"):
        for j, (op, payload, args, _) in enumerate(program.code):
            if op in ("var", "num"):
                regs[j] = x[..., payload] if op == "var" else np.broadcast_to(payload, shape)
                continue
            inputs = [regs[a] for a in args]
            out = np.broadcast_to(_OPS[op](*inputs), shape)
            regs[j] = out
            no_nan_in = ~np.logical_or.reduce([np.isnan(a) for a in inputs])
            finite_in = np.logical_and.reduce([np.isfinite(a) for a in inputs])
            nan_made.append((op, np.isnan(out) & no_nan_in))
            inf_made.append((op, np.isinf(out) & finite_in))
    values = np.array(np.broadcast_to(regs[program.outputs[0]], shape), dtype=float)

    def first(made: list[tuple[str, Array]], mask: Array, causes: dict[str, str]) -> str:
        for op, where in made:
            if (where & mask).any():
                if causes is _INF_CAUSES:
                    return causes.get(op, "overflow (a value beyond ±1.8e308)")
                return causes.get(op, f"{op} of an infinite value")
        return ""

    return (
        values,
        first(nan_made, np.isnan(values), _NAN_CAUSES),
        first(inf_made, np.isinf(values), _INF_CAUSES),
    )
