"""Parse the expressions users pass as strings, and render them back as safe SQL.

MADlib takes ``dependent_varname = 'price'`` and ``independent_varname =
'ARRAY[1, tax, bath, size]'`` as SQL text. Pasting that text into a query would
let ``'ARRAY[1, x]); DROP TABLE houses; --'`` through, so instead the text is
parsed into a small syntax tree of a whitelisted grammar (numbers, strings,
column names, arithmetic and comparison operators, ``AND`` / ``OR`` / ``NOT``,
``IS [NOT] NULL`` / ``TRUE`` / ``FALSE``, the constants ``TRUE``, ``FALSE`` and ``NULL``,
whitelisted functions, casts to numeric, boolean and text types, ``ARRAY[...]``, array
subscripts and slices ``x[2]``, ``x[1:3]``, array concatenation ``||`` and ``CASE ... END``
in both of SQL's forms) and rendered back with every identifier passed
through the caller's quoting function. Anything outside the grammar is an error
that says where it stopped.

>>> to_sql(parse('ARRAY[1, "Tax Rate", log(size)]'), _demo_quote, _demo_literal)
'ARRAY[1, "Tax Rate", log(size)]'
>>> to_sql(parse('data[1:1]||data[2:2]'), _demo_quote, _demo_literal)
'((data)[1:1] || (data)[2:2])'
>>> to_sql(parse("case when cat = '1' then 'a' else 'c' end"), _demo_quote, _demo_literal)
"(CASE WHEN (cat = '1') THEN 'a' ELSE 'c' END)"
>>> to_sql(parse("CASE WHEN x > 0 AND NOT y IS NULL OR z THEN 1 ELSE 0 END"), _demo_quote, _demo_literal)
'(CASE WHEN (((x > 0) AND (NOT ((y) IS NULL))) OR z) THEN 1 ELSE 0 END)'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

from indb_ml.errors import InputError

FUNCTIONS = frozenset(
    """abs ln log log10 exp sqrt cbrt power pow sin cos tan asin acos atan atan2 sinh
    cosh tanh floor ceil ceiling round trunc sign greatest least coalesce nullif
    degrees radians pi mod""".split()
)
TYPES = {
    "float8": "float8", "float4": "float4", "real": "real", "double precision": "float8",
    "int": "int", "integer": "integer", "int2": "int2", "int4": "int4", "int8": "int8",
    "smallint": "smallint", "bigint": "bigint", "numeric": "numeric", "boolean": "boolean",
    "bool": "boolean", "text": "text", "varchar": "varchar",
}
# SQL constructs spelled like functions: they have no schema to qualify.
CONSTRUCTS = frozenset(("greatest", "least", "coalesce", "nullif"))
# CASE's keywords, the logical operators and the constants are reserved in PostgreSQL: unquoted
# they are never a column name.
CASE_WORDS = frozenset(("case", "when", "then", "else", "end"))
LOGIC_WORDS = frozenset(("and", "or", "not", "is"))
CONSTANTS = {"true": "TRUE", "false": "FALSE", "null": "NULL"}
COMPARISONS = ("<=", ">=", "<>", "!=", "=", "<", ">")
CONCAT = "||"  # array (and text) concatenation: PostgreSQL's "any other operator" precedence
_BINARY = {"or": 1, "and": 2, **{c: 5 for c in COMPARISONS}, CONCAT: 6, "+": 7, "-": 7, "*": 8, "/": 8,
           "%": 8, "^": 9}
_NOT, _IS, _COMPARE = 3, 4, 5

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<qident>"(?:[^"]|"")+")
    | (?P<str>'(?:[^']|'')*')
    | (?P<ident>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<op>::|<=|>=|<>|!=|\|\||[-+*/%^=<>(),\[\]:])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Num:
    text: str


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Col:
    name: str


@dataclass(frozen=True)
class Func:
    name: str
    args: tuple


@dataclass(frozen=True)
class BinOp:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object


@dataclass(frozen=True)
class Cast:
    operand: object
    type_name: str


@dataclass(frozen=True)
class Const:
    """``TRUE``, ``FALSE`` or ``NULL`` (upper case)."""

    text: str


@dataclass(frozen=True)
class IsTest:
    """``operand IS [NOT] NULL | TRUE | FALSE``: ``test`` is the words after the operand."""

    operand: object
    test: str


@dataclass(frozen=True)
class Array:
    items: tuple


@dataclass(frozen=True)
class Subscript:
    """``operand[i]``, ``operand[lo:hi]`` (a bound may be None: ``x[:2]``), or several in a row
    (``x[1][2]``, one subscript of a 2-D array): ``indices`` holds ``(lower, upper, is_slice)``
    per bracket (``upper`` is ``lower`` when not a slice)."""

    operand: object
    indices: tuple


@dataclass(frozen=True)
class Case:
    """``CASE [operand] WHEN w THEN r ... [ELSE e] END``: ``operand`` is None in the searched
    form (each ``w`` a condition), else the value each ``w`` is compared with (the simple form);
    ``whens`` holds ``(w, r)`` pairs, ``default`` the ELSE result or None."""

    operand: object
    whens: tuple
    default: object


Node = Union[Num, Str, Col, Const, Func, BinOp, Unary, Cast, IsTest, Array, Subscript, Case]


def _tokens(text: str) -> list[tuple[str, str, int]]:
    for bad in (";", "--", "/*"):
        if bad in _strip_strings(text):
            raise InputError(
                f"expression {text!r} contains {bad!r}: only a single expression is allowed",
                hint="pass one expression such as 'ARRAY[1, x1, x2]'",
                sqlstate=InputError.SYNTAX,
            )
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise InputError(
                f"cannot parse expression {text!r} at position {pos + 1}: unexpected {text[pos:].strip()[:10]!r}",
                sqlstate=InputError.SYNTAX,
            )
        kind = m.lastgroup
        out.append((kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return out


def _strip_strings(text: str) -> str:
    return re.sub(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")+\"", "''", text)


class _Parser:
    """Recursive descent over PostgreSQL's precedence for the whitelisted grammar."""

    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, value: str | None = None) -> bool:
        if self.i >= len(self.toks):
            return False
        kind, tok, _ = self.toks[self.i]
        return value is None or (kind in ("op", "ident") and tok.lower() == value)

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        if not self.peek(value):
            self.fail(f"expected {value!r}" if value else "unexpected end")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, what: str):
        where = self.toks[self.i][2] + 1 if self.i < len(self.toks) else len(self.text)
        got = self.toks[self.i][1] if self.i < len(self.toks) else "end of text"
        raise InputError(
            f"cannot parse expression {self.text!r} at position {where}: {what}, found {got!r}",
            hint="expressions may use column names, numbers, + - * / ^, comparisons, AND, OR, NOT, "
            "IS [NOT] NULL, TRUE, FALSE, casts to numeric, boolean and text types, ARRAY[...], "
            "subscripts x[1] and slices x[1:2], ||, "
            "CASE [x] WHEN ... THEN ... [ELSE ...] END and the functions "
            + ", ".join(sorted(FUNCTIONS)),
            sqlstate=InputError.SYNTAX,
        )

    def parse(self) -> Node:
        node = self.expression()
        if self.i != len(self.toks):
            self.fail("expected end of expression")
        return node

    def expression(self, floor: int = 0) -> Node:
        """Operators by precedence climbing over ``_BINARY`` (PostgreSQL's order: ``OR`` loosest,
        then ``AND``, ``NOT``, ``IS``, the comparisons, ``||``, ``+ -``, ``* / %``, ``^``), taking
        only operators that bind at least as tight as ``floor``. One level of Python recursion per
        level of parentheses, not per precedence level, so the nesting limit stays where it was."""
        if self.peek("not") and floor <= _NOT:
            self.take()
            node = Unary("NOT ", self.expression(_NOT))
        else:
            node = self.unary()
        compared = False
        while self.i < len(self.toks):
            kind, tok, _ = self.toks[self.i]
            op = tok.lower() if kind in ("op", "ident") else None
            if op == "is" and _IS >= floor:
                self.take()
                words = "IS NOT " if self.peek("not") and self.take() else "IS "
                if not any(self.peek(w) for w in CONSTANTS):
                    self.fail("expected NULL, TRUE or FALSE after " + words.strip())
                node = IsTest(node, words + CONSTANTS[self.take()[1].lower()])
                continue
            level = _BINARY.get(op)
            if level is None or level < floor or (level == _COMPARE and compared):
                break  # a second comparison at one level is an error, as in PostgreSQL ('a < b < c')
            self.take()
            compared = compared or level == _COMPARE
            node = BinOp({"!=": "<>", "and": "AND", "or": "OR"}.get(op, op), node, self.expression(level + 1))
        return node

    def additive(self) -> Node:
        """An expression of ``+ -`` and tighter operators (array subscripts)."""
        return self.expression(_BINARY["+"])

    def unary(self) -> Node:
        if self.peek("-") or self.peek("+"):
            return Unary(self.take()[1], self.unary())
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while self.peek("::") or self.peek("["):
            if self.peek("["):
                indices = []
                while self.peek("["):
                    indices.append(self.subscript())
                node = Subscript(node, tuple(indices))
            else:
                self.take()
                node = Cast(node, self.type_name())
        return node

    def subscript(self) -> tuple:
        """One ``[i]`` or ``[lo:hi]`` (PostgreSQL's array subscripts and slices)."""
        self.take("[")
        lower = None if self.peek(":") else self.additive()
        if not self.peek(":"):
            self.take("]")
            return (lower, lower, False)
        self.take(":")
        upper = None if self.peek("]") else self.additive()
        self.take("]")
        return (lower, upper, True)

    def type_name(self) -> str:
        kind, word, _ = self.take()
        word = word.lower()
        if word == "double" and self.peek("precision"):
            self.take()
            word = "double precision"
        if kind != "ident" or word not in TYPES:
            self.i -= 1
            self.fail("expected a type (" + ", ".join(sorted(TYPES)) + ")")
        name = TYPES[word]
        if self.peek("["):
            self.take()
            self.take("]")
            name += "[]"
        return name

    def primary(self) -> Node:
        if self.i >= len(self.toks):
            self.fail("expected a value")
        kind, tok, _ = self.toks[self.i]
        if kind == "num":
            self.i += 1
            return Num(tok)
        if kind == "str":
            self.i += 1
            return Str(tok[1:-1].replace("''", "'"))
        if kind == "qident":
            self.i += 1
            return Col(tok[1:-1].replace('""', '"'))
        if kind == "ident":
            return self.word()
        if self.peek("("):
            self.take()
            node = self.expression()
            self.take(")")
            return node
        self.fail("expected a value")

    def word(self) -> Node:
        word = self.take()[1].lower()
        if word == "case":
            return self.case()
        if word in CONSTANTS:
            return Const(CONSTANTS[word])
        if word in CASE_WORDS or word in LOGIC_WORDS:
            self.i -= 1
            self.fail("expected a value (quote a column named " + word.upper() + ")")
        if word == "array" and self.peek("["):
            return Array(self.items("[", "]"))
        if self.peek("("):
            if word not in FUNCTIONS:
                self.i -= 1
                self.fail(f"function {word}() is not allowed")
            return Func(word, self.items("(", ")"))
        return Col(word)

    def case(self) -> Case:
        """The rest of a CASE expression, after its ``CASE``."""
        operand = None if self.peek("when") or self.peek("end") else self.expression()
        whens = []
        while self.peek("when"):
            self.take()
            condition = self.expression()
            self.take("then")
            whens.append((condition, self.expression()))
        if not whens:
            self.fail("expected WHEN")
        default = None
        if self.peek("else"):
            self.take()
            default = self.expression()
        self.take("end")
        return Case(operand, tuple(whens), default)

    def items(self, open_: str, close: str) -> tuple:
        self.take(open_)
        out = []
        if not self.peek(close):
            out.append(self.expression())
            while self.peek(","):
                self.take()
                out.append(self.expression())
        self.take(close)
        return tuple(out)


def parse(text: str) -> Node:
    """Parse one expression; raise :class:`InputError` for anything outside the grammar."""
    if text is None or not str(text).strip():
        raise InputError("expression is empty", sqlstate=InputError.SYNTAX)
    return _Parser(str(text)).parse()


def parse_name_list(text: str) -> list[str]:
    """``'a, "B c"'`` -> ``['a', 'B c']``: a comma-separated list of column names."""
    p = _Parser(text)
    names = []
    while True:
        node = p.primary()
        if not isinstance(node, Col):
            p.i -= 1
            p.fail("expected a column name")
        names.append(node.name)
        if not p.peek(","):
            break
        p.take()
    if p.i != len(p.toks):
        p.fail("expected ',' or end of list")
    return names


def to_sql(
    node: Node,
    quote_ident: Callable[[str], str],
    quote_literal: Callable[[str], str],
    function_schema: str | None = None,
) -> str:
    """Render a parsed expression; identifiers and strings go through the given quoting.

    ``function_schema="pg_catalog"`` qualifies every function, so a same-named
    function on the caller's search_path (``public.log(integer)``) cannot
    capture a whitelisted built-in.
    """
    prefix = function_schema + "." if function_schema else ""

    def r(n: Node) -> str:
        if isinstance(n, Num):
            return n.text
        if isinstance(n, Str):
            return quote_literal(n.value)
        if isinstance(n, Col):
            return quote_ident(n.name)
        if isinstance(n, Const):
            return n.text
        if isinstance(n, IsTest):
            return "((" + r(n.operand) + ") " + n.test + ")"
        if isinstance(n, Func):
            schema = "" if n.name in CONSTRUCTS else prefix
            return schema + n.name + "(" + ", ".join(r(a) for a in n.args) + ")"
        if isinstance(n, Array):
            return "ARRAY[" + ", ".join(r(a) for a in n.items) + "]"
        if isinstance(n, BinOp):
            return "(" + r(n.left) + " " + n.op + " " + r(n.right) + ")"
        if isinstance(n, Unary):
            return "(" + n.op + r(n.operand) + ")"
        if isinstance(n, Cast):
            return "(" + r(n.operand) + ")::" + n.type_name
        if isinstance(n, Case):
            text = "(CASE" + ("" if n.operand is None else " " + r(n.operand))
            text += "".join(" WHEN " + r(w) + " THEN " + r(t) for w, t in n.whens)
            return text + ("" if n.default is None else " ELSE " + r(n.default)) + " END)"
        if isinstance(n, Subscript):
            parts = []
            for lower, upper, is_slice in n.indices:
                lo = "" if lower is None else r(lower)
                parts.append("[" + lo + (":" + ("" if upper is None else r(upper)) if is_slice else "") + "]")
            return "(" + r(n.operand) + ")" + "".join(parts)
        raise TypeError(f"unknown expression node {type(n).__name__}")

    return r(node)


def _demo_quote(name: str) -> str:
    """Doctest stand-in for ``plpy.quote_ident``: quote unless a plain lower-case word."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _demo_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
