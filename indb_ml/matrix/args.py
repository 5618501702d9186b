"""MADlib's matrix argument strings: ``'row=row_id, col=col_id, val=val, trans=true, fmt=sparse'``.

Parsed into a :class:`MatrixArgs` with defaults from MADlib (``row=row_num``,
``col=col_num``, ``val=val``, ``trans=false``), validated with errors that name
the bad key or value. Column names are kept raw here and quoted where used.

>>> parse_args("row=r, val=v, trans=TRUE")[0]
MatrixArgs(row='r', col='col_num', val='v', trans=True, fmt=None, block=1000, op=None, dims=None)
>>> parse_args("dims=3x4")[0].dims
(3, 4)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from indb_ml.errors import InputError

FORMATS = ("dense", "sparse", "tiles")
OPERATORS = ("memory", "blocks", "join", "tiles")  # physical operator (out_args op=), see matrix.ops
_PAIR = re.compile(r'\s*([A-Za-z_]+)\s*=\s*("(?:[^"]|"")+"|[^,]+?)\s*(?:,|$)')


@dataclass(frozen=True)
class MatrixArgs:
    row: str = "row_num"
    col: str = "col_num"
    val: str = "val"
    trans: bool = False
    fmt: str | None = None  # None: detected from the table (input) or like the input (output)
    block: int = 1000  # tile side, for fmt=tiles
    op: str | None = None  # physical operator; None: chosen from formats and sizes
    dims: tuple[int, int] | None = None  # a sparse matrix's shape; None: from the largest indices

    def with_defaults_from(self, other: MatrixArgs, given: set) -> MatrixArgs:
        """Output args default to the input's column names, as in MADlib."""
        return replace(self, **{k: getattr(other, k) for k in ("row", "col", "val") if k not in given})


def column_name(value: str, key: str) -> str:
    """A column named as SQL reads it: ``Row_Id`` is ``row_id``, ``"Row Id"`` is ``Row Id``."""
    if value.startswith('"'):
        name = value[1:-1].replace('""', '"')
        if not name:
            raise InputError(f"matrix argument {key}={value} is an empty name", hint="name a column")
        return name
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", value):
        raise InputError(f"matrix argument {key}={value!r} is not a column name",
                         hint='quote unusual names: row="My Row"')
    return value.lower()


def suffixed(prefix: str, suffix: str, arg: str = "matrix_out_prefix") -> str:
    """``out`` -> ``out_p``; a quoted ``"Out"`` -> ``"Out_p"`` (MADlib's add_postfix)."""
    if not prefix or not prefix.strip():
        raise InputError(f"{arg} is empty", hint="pass a name such as 'my_factors'")
    text = prefix.strip()
    return text[:-1] + suffix + '"' if text.endswith('"') else text + suffix


def _bool(value: str, key: str) -> bool:
    low = value.lower()
    if low in ("true", "t", "yes", "on", "1"):
        return True
    if low in ("false", "f", "no", "off", "0"):
        return False
    raise InputError(f"matrix argument {key}={value!r} must be true or false")


def parse_args(text: str | None) -> tuple[MatrixArgs, set]:
    """``(args, keys given)``; NULL or empty text gives MADlib's defaults."""
    if text is None or not text.strip():
        return MatrixArgs(), set()
    values: dict = {}
    pos = 0
    while pos < len(text):
        m = _PAIR.match(text, pos)
        if not m or m.end() == pos:
            raise InputError(f"cannot parse matrix arguments {text!r} at position {pos + 1}",
                             hint="use 'row=row_id, col=col_id, val=val, trans=false, fmt=dense'")
        key, value = m.group(1).lower(), m.group(2).strip()
        if key in values:
            raise InputError(f"matrix argument {key!r} is given twice in {text!r}")
        values[key] = value
        pos = m.end()
    unknown = set(values) - {"row", "col", "val", "trans", "fmt", "block", "op", "dims"}
    if unknown:
        raise InputError(f"unknown matrix argument {sorted(unknown)[0]!r} in {text!r}",
                         hint="known: row, col, val, trans, fmt, block, op, dims")
    out: dict = {}
    if "dims" in values:
        m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", values["dims"])
        if not m or min(int(m.group(1)), int(m.group(2))) < 1:
            raise InputError(f"matrix argument dims={values['dims']!r} must be rows x columns, such as dims=100x50")
        out["dims"] = (int(m.group(1)), int(m.group(2)))
    for key in ("row", "col", "val"):
        if key in values:
            out[key] = column_name(values[key], key)
    if "trans" in values:
        out["trans"] = _bool(values["trans"], "trans")
    if "fmt" in values:
        fmt = values["fmt"].lower()
        if fmt not in FORMATS:
            raise InputError(f"matrix argument fmt={values['fmt']!r} must be one of {', '.join(FORMATS)}")
        out["fmt"] = fmt
    if "op" in values:
        op = values["op"].lower()
        if op not in OPERATORS:
            raise InputError(f"matrix argument op={values['op']!r} must be one of {', '.join(OPERATORS)}")
        out["op"] = op
    if "block" in values:
        if not values["block"].isdigit() or not 1 <= int(values["block"]) <= 10000:
            raise InputError(f"matrix argument block={values['block']!r} must be an integer from 1 to 10000")
        out["block"] = int(values["block"])
    return MatrixArgs(**out), set(values)
