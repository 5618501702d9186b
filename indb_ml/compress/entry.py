"""SQL entry points of tile compression: ``matrix_compress``, ``matrix_info`` and the tile-level
functions the matrix operators call (``tile_decode``, ``tile_encode``, the codec-aware
``tile_mv`` transition).

``matrix_compress(matrix_in, in_args, matrix_out, out_args)`` writes any matrix table (dense,
sparse or tiles) as a tile table whose tiles are encoded with ``codec=`` from ``out_args``:
``auto`` (the default: per tile, the smallest lossless encoding, or raw when nothing is
smaller), one lossless codec (``zstd``, ``lz4``, ``zlib``, ``csr``, ``coo``, ``dict``; a tile
the codec cannot take, such as dict beyond 65,536 distinct values, is an error), or a lossy
one (``float32``, ``bfloat16``, ``int8``), which needs ``lossy=true`` and accepts
``max_error=`` (an error if any tile is off by more). ``block=`` sets the tile side; an
untransposed tile table without ``block=`` keeps its tiling and is encoded tile by tile.
"""

from __future__ import annotations

import numpy as np

from indb_ml.compress import codecs
from indb_ml.compress.tiles import KNOWN, coded, corrupt, layout_of, tile_array, tile_times_vector
from indb_ml.core import progress
from indb_ml.core.budget import ONE_VALUE
from indb_ml.core.relations import new_table, resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError, state_errors
from indb_ml.kernels.tiles import encode_tile, vector_add_bytes
from indb_ml.matrix import pieces, storage, writer
from indb_ml.matrix.args import _PAIR, parse_args

CHOICES = ("auto",) + codecs.LOSSLESS + codecs.LOSSY
OWN_KEYS = ("codec", "lossy", "max_error")


def split_out_args(text: str | None) -> tuple[dict, str]:
    """``(compression keys, the rest)``: codec=, lossy=, max_error= are taken out; the rest goes to
    the matrix argument parser (which rejects anything else it does not know).

    >>> split_out_args("codec=zstd, block=500")
    ({'codec': 'zstd'}, 'block=500')
    """
    if text is None or not text.strip():
        return {}, ""
    own, rest, pos = {}, [], 0
    while pos < len(text):
        m = _PAIR.match(text, pos)
        if not m or m.end() == pos:
            raise InputError(f"cannot parse out_args {text!r} at position {pos + 1}",
                             hint="use 'codec=zstd, block=1000' (codec=auto|" + "|".join(CHOICES[1:]) + ")")
        key, value = m.group(1).lower(), m.group(2).strip()
        if key in OWN_KEYS:
            if key in own:
                raise InputError(f"out_args gives {key} twice in {text!r}")
            own[key] = value
        else:
            rest.append(m.group(0).strip().rstrip(","))
        pos = m.end()
    return own, ", ".join(rest)


def _parse_float(text: str, key: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise InputError(f"out_args {key}={text!r} must be a number >= 0")
    return value


def compression_options(own: dict) -> tuple[str, float | None]:
    """The codec asked for and the error bound (None: no bound); lossy codecs need lossy=true."""
    codec = own.get("codec", "auto").lower()
    if codec not in CHOICES:
        raise InputError(f"matrix_compress: unknown codec {own.get('codec')!r}",
                         hint="codec=" + " | ".join(CHOICES))
    lossy = own.get("lossy", "false").lower()
    if lossy not in ("true", "false", "t", "f", "yes", "no", "on", "off", "1", "0"):
        raise InputError(f"out_args lossy={own['lossy']!r} must be true or false")
    allowed = lossy in ("true", "t", "yes", "on", "1")
    if codec in codecs.LOSSY and not allowed:
        raise InputError(f"matrix_compress: codec={codec} loses precision; it needs lossy=true in out_args",
                         hint=f"'codec={codec}, lossy=true' (add max_error=1e-3 to bound the error), "
                              "or a lossless codec: auto, zstd, lz4, zlib, csr, coo, dict")
    bound = _parse_float(own["max_error"], "max_error") if "max_error" in own else None
    if bound is not None and codec not in codecs.LOSSY:
        raise InputError("matrix_compress: max_error= bounds a lossy codec's error; lossless codecs are exact",
                         hint="drop max_error=, or use codec=float32|bfloat16|int8 with lossy=true")
    return codec, bound


def tile_encoder(codec: str, bound: float | None):
    """A function tile -> (layout, codec, data) for :class:`indb_ml.matrix.writer.Writer`."""
    def encode(tile: np.ndarray):
        if codec == "auto":
            name, data = codecs.smallest(tile)
            return ("dense", "raw", encode_tile(tile)) if data is None else (layout_of(name), name, data)
        try:
            data = codecs.encode(tile, codec)
        except codecs.CodecError as exc:
            raise InputError(f"matrix_compress: {exc}", hint="use codec=auto, which picks per tile") from exc
        if bound is not None and codecs.header(data).max_error > bound:
            raise InputError(f"matrix_compress: codec={codec} is off by {codecs.header(data).max_error:.3g} on a "
                             f"tile, above max_error={bound:g}", hint="use a finer codec (float32) or a lossless one")
        return layout_of(codec), codec, data

    return encode


@sql_entry
def matrix_compress(sess: Session, matrix_in, in_args, matrix_out, out_args) -> list:
    own, rest = split_out_args(out_args)
    codec, bound = compression_options(own)
    wanted, given = parse_args(rest)
    if wanted.fmt not in (None, "tiles"):
        raise InputError(f"matrix_compress writes tiles; out_args asks fmt={wanted.fmt}",
                         hint="drop fmt= (compressed matrices are tile tables)")
    if wanted.op is not None:
        raise InputError("matrix_compress: op= does not apply here", hint="drop op= from out_args")
    src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
    rel = new_table(sess, matrix_out, "matrix_out")
    encode = tile_encoder(codec, bound)
    # one report per block of rows (per tile when tiles are re-encoded): phase 'reblock'
    prog = progress.start(sess, "compress", rows_total=src.shape[0])
    prog.stage("reblock")
    if src.fmt == "tiles" and not src.args.trans and "block" not in given:
        _recode_tiles(sess, src, rel, encode, prog)
        prog.done()
        return [matrix_out]
    w = writer.Writer(sess, rel, wanted, "tiles", src.shape, encode)
    if pieces.has_row_pieces(src):
        for r0, block in pieces.row_pieces(sess, src):
            w.write(r0, block)
            prog.step(rows_done=r0 + block.shape[0])
    else:
        w.write(0, pieces.load(sess, src).value)
    w.close()
    prog.done()
    return [matrix_out]


def _recode_tiles(sess: Session, src: pieces.Source, rel, encode, prog: progress.Progress) -> None:
    """Same tiles, re-encoded one at a time (streamed through a cursor), each reported."""
    writer.create_tiles(sess, rel)
    insert = ("INSERT INTO " + rel.sql(sess) + " (row_block, col_block, nrows, ncols, layout, codec, data) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7)")
    cap = storage.limit_bytes(sess)
    for r in sess.cursor("SELECT row_block, col_block, nrows, ncols, codec, data FROM " + src.rel.sql(sess)):
        layout, codec, data = encode(tile_array(r["data"], r["nrows"], r["ncols"], r["codec"], cap))
        sess.execute(insert, [r["row_block"], r["col_block"], r["nrows"], r["ncols"], layout, codec, data],
                     ["int4", "int4", "int4", "int4", "text", "text", "bytea"])
        prog.step()


@sql_entry
def matrix_info(sess: Session, matrix, args) -> list:
    """One row per tile: ``(row_block, col_block, codec, raw_bytes, stored_bytes, ratio, max_error)``.

    Reads each tile's first 24 bytes (its header) and its length, never the whole tile.
    ``stored_bytes`` is the size of the value as stored (``pg_column_size``: after any TOAST
    compression, which tile tables switch off).
    """
    rel = resolve_source(sess, matrix, "matrix")
    parsed, given = parse_args(args)
    extra = given & {"trans", "op", "block", "dims"}
    if extra:
        raise InputError(f"matrix_info: {sorted(extra)[0]}= does not apply; it reports a tile table as stored",
                         hint="pass NULL or '' as in_args")
    cols = storage.columns(sess, rel)
    fmt = storage.detect(rel, cols, parsed, "matrix")
    if fmt != "tiles":
        raise InputError(f"matrix_info: matrix {rel.schema}.{rel.name} is a {fmt} table, not tiles",
                         hint="compress it first: matrix_compress(matrix, args, out, 'codec=auto')")
    storage.check_tiles(sess, rel, "matrix")
    out = []
    for r in sess.execute(
        "SELECT row_block, col_block, nrows, ncols, codec, pg_catalog.pg_column_size(data) AS stored, "
        "pg_catalog.substr(data, 1, 24) AS head FROM " + rel.sql(sess) + " ORDER BY row_block, col_block"
    ):
        raw = 8 * r["nrows"] * r["ncols"]
        err = 0.0 if r["codec"] == "raw" else coded(r["head"], r["nrows"], r["ncols"], r["codec"]).max_error
        out.append((r["row_block"], r["col_block"], r["codec"], raw, r["stored"],
                    raw / r["stored"] if r["stored"] else None, err))
    return out


def _checked_codec(codec) -> str:
    if codec not in KNOWN:
        raise InputError(f"unknown codec {codec!r}", hint="codecs: " + ", ".join(KNOWN))
    return codec


@sql_entry
def tile_decode(sess, data, codec, nrows, ncols, budget=None) -> bytes:
    """A stored tile's float64 bytes (``raw`` tiles are returned as they are, after a size check);
    an encoded tile only when its values fit ``budget`` bytes (the SQL wrapper passes the memory
    budget: this runs in parallel workers too, where no query can read it)."""
    codec = _checked_codec(codec)
    cap = ONE_VALUE if codec == "raw" else storage.limit_bytes(sess) if budget is None else budget
    return np.ascontiguousarray(tile_array(data, nrows, ncols, codec, cap), dtype="<f8").tobytes()


@sql_entry
def tile_encode(sess, data, nrows, ncols, codec) -> bytes:
    """nrows x ncols float64 bytes encoded with ``codec`` (lossy codecs included: this is the
    low-level function; matrix_compress asks for lossy=true)."""
    if nrows < 0 or ncols < 0 or len(data) != 8 * nrows * ncols:
        raise InputError(f"tile_encode: {len(data)} bytes for {nrows} x {ncols} float64 values, expected "
                         f"{8 * max(nrows, 0) * max(ncols, 0)}")
    tile = tile_array(data, nrows, ncols, "raw")
    if _checked_codec(codec) == "raw":
        return encode_tile(tile)
    try:
        return codecs.encode(tile, codec)
    except codecs.CodecError as exc:
        raise InputError(f"tile_encode: {exc}") from exc


@sql_entry
def tile_header(sess, data) -> tuple:
    """``(codec, nrows, ncols, max_error)`` from an encoded tile's header."""
    try:
        h = codecs.header(bytes(data[:codecs.HEADER_BYTES]))
    except codecs.CodecError as exc:
        raise corrupt(f"tile_header: {exc}") from exc
    return h.codec, h.nrows, h.ncols, h.max_error


@sql_entry
@state_errors("tile_mv_coded_transition")
def tile_mv_transition(sess, state, data, codec, nrows, ncols, col_offset, v, budget=None):
    """``state + tile @ v[col_offset:]``, dict tiles multiplied from their codes (``budget``: as
    :func:`tile_decode`'s)."""
    segment = np.frombuffer(v, dtype="<f8")[col_offset:col_offset + ncols]
    if segment.size != ncols:
        raise InputError(f"tile_mv: a tile of {ncols} columns at offset {col_offset} and a vector of "
                         f"{len(v) // 8} values")
    codec = _checked_codec(codec)
    cap = ONE_VALUE if codec == "raw" else storage.limit_bytes(sess) if budget is None else budget
    part = np.ascontiguousarray(tile_times_vector(data, nrows, ncols, codec, segment, cap), dtype="<f8")
    return part.tobytes() if state is None else vector_add_bytes(state, part.tobytes())
