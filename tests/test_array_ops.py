"""Array operations, norms and distances (sql/30_array_ops.sql) against numpy and scipy.

Tolerances: element-wise float8 results are IEEE operations, the same as numpy's, so
rtol=1e-15 (1e-14 for libm functions); sums in another order rtol=1e-12; pgvector
overloads accumulate in float4, so they are compared with float64 math on the same
float4 values at rtol=1e-6 (atol=2e-6 for the cosine, which cancels; the angle is
compared through its cosine, since acos amplifies float4 rounding near +-1).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import psycopg.errors as E
import pytest
from scipy.spatial import distance as sd


def q(conn, query: str, *params):
    return conn.execute(query, params).fetchone()[0]


def fails(conn, error, match, query: str, params=None) -> None:
    """query raises error (matching match), in a savepoint so the test can go on."""
    with pytest.raises(error, match=match), conn.transaction():
        conn.execute(query, params)


def q2(conn, query: str, *params):
    return tuple(conn.execute(query, params).fetchone())


def rand(rng, n, scale=10.0):
    return rng.normal(size=n) * scale


# ---------------------------------------------------------------- edge cases first

# (function, argument list with a NULL array first): STRICT means NULL in, NULL out.
NULL_CALLS = [
    ("array_add", "NULL::float8[], '{1}'"), ("array_sub", "NULL::float8[], '{1}'"),
    ("array_mult", "NULL::float8[], '{1}'"), ("array_div", "NULL::float8[], '{1}'"),
    ("array_dot", "NULL::float8[], '{1}'"), ("array_contains", "NULL::float8[], '{1}'"),
    ("array_scalar_mult", "NULL::float8[], 2"), ("array_scalar_add", "'{1}'::float8[], NULL"),
    ("array_abs", "NULL::float8[]"), ("array_sqrt", "NULL::float8[]"), ("array_square", "NULL::float8[]"),
    ("array_pow", "'{1}'::float8[], NULL"), ("array_cos", "NULL::float8[]"),
    ("array_cum_sum", "NULL::float8[]"), ("array_cum_prod", "NULL::float8[]"),
    ("array_fill", "'{1}'::float8[], NULL"), ("array_of_float", "NULL"), ("array_of_bigint", "NULL"),
    ("array_filter", "NULL::float8[]"), ("array_filter", "'{1}'::float8[], NULL"),
    ("array_filter", "'{1}'::float8[], 1, NULL"), ("normalize", "NULL::float8[]"),
    ("array_sum", "NULL::float8[]"), ("array_sum_big", "NULL::float8[]"), ("array_abs_sum", "NULL::float8[]"),
    ("array_mean", "NULL::float8[]"), ("array_stddev", "NULL::float8[]"), ("array_max", "NULL::float8[]"),
    ("array_min", "NULL::float8[]"), ("array_max_index", "NULL::float8[]"), ("array_min_index", "NULL::float8[]"),
    ("array_contains_null", "NULL::int[]"),
    ("norm1", "NULL::float8[]"), ("norm2", "NULL::float8[]"),
    ("dist_jaccard", "NULL::text[], '{a}'"), ("dist_pnorm", "'{1}'::float8[], '{2}', NULL"),
    ("closest_column", "NULL::float8[], '{1}'"), ("closest_columns", "'{{1}}'::float8[], '{1}', NULL"),
    ("closest_column", "'{{1}}'::float8[], '{1}', NULL::regproc"),
] + [(f, args) for f in ("dist_norm1", "dist_norm2", "dist_inf_norm", "squared_dist_norm2", "cosine_similarity",
                         "dist_angle", "dist_tanimoto")
     for args in ("NULL::float8[], '{1}'", "'{1}'::float8[], NULL")]


@pytest.mark.parametrize("fn, args", NULL_CALLS)
def test_null_array_gives_null(postgresql, fn, args):
    assert q(postgresql, f"SELECT indb_ml.{fn}({args})") is None


def test_unnest_of_null_is_no_rows(postgresql):
    assert postgresql.execute("SELECT * FROM indb_ml.array_unnest_2d_to_1d(NULL::float8[])").fetchall() == []


def test_functions_are_strict_immutable_parallel_safe_and_not_plpython(postgresql):
    source = (Path(__file__).resolve().parent.parent / "sql" / "30_array_ops.sql").read_text()
    names = set(re.findall(r"^CREATE FUNCTION indb_ml\.(\w+)\(", source, re.M))
    rows = postgresql.execute(
        "SELECT p.oid::regprocedure::text, p.proisstrict, p.provolatile, p.proparallel, l.lanname "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang "
        "WHERE n.nspname = 'indb_ml' AND p.proname = ANY(%s)", [sorted(names)]).fetchall()
    assert len(rows) == source.count("CREATE FUNCTION indb_ml."), rows
    for sig, strict, volatile, parallel, lang in rows:
        assert lang in ("plpgsql", "sql"), f"{sig} is {lang}: no PL/Python per row"
        assert (strict, volatile, parallel) == (True, "i", "s"), sig


def typed(call: str) -> str:
    """Type the bare array literals of a call as float8[]."""
    return call.replace("}'", "}'::float8[]")


@pytest.mark.parametrize("call", [
    "array_add('{1,2}', '{1,2,3}')", "array_sub('{1}', '{}')", "array_mult('{1,2}', '{1}')",
    "array_div('{1,2}', '{1}')", "array_dot('{1,2,3}', '{1,2}')", "array_contains('{1}', '{1,2}')",
    "squared_dist_norm2('{1,2}', '{1}')", "dist_norm1('{1,2}', '{1}')", "dist_norm2('{1,2}', '{1}')",
    "dist_inf_norm('{1,2}', '{1}')", "dist_pnorm('{1,2}', '{1}', 3)", "cosine_similarity('{1,2}', '{1}')",
    "dist_angle('{1,2}', '{1}')", "dist_tanimoto('{1,2}', '{1}')",
])
def test_mismatched_lengths(postgresql, call):
    fails(postgresql, E.ArraySubscriptError, r"ha(s|ve) \d+ elements but \w+ has \d+", f"SELECT indb_ml.{typed(call)}")


@pytest.mark.parametrize("call", [
    "dist_inf_norm('{1,2}'::real[], '{1,2,3}'::real[])", "dist_pnorm('{{1,2}}'::float8[], '{1}'::float8[], 3)",
    "dist_tanimoto('{1,2}'::real[], '{1}'::real[])", "closest_column('{{1,2},{3,4}}'::float8[], '{1,2,3}')",
])
def test_mismatched_lengths_other_forms(postgresql, call):
    fails(postgresql, E.ArraySubscriptError, r"ha(s|ve) \d+ elements but \w+ has \d+", f"SELECT indb_ml.{call}")


def test_mismatched_lengths_message_names_both(postgresql):
    fails(postgresql, E.ArraySubscriptError, "array_add: x has 2 elements but y has 3",
          "SELECT indb_ml.array_add('{1,2}'::float8[], '{1,2,3}')")


@pytest.mark.parametrize("fn", ["dist_norm1", "dist_norm2", "squared_dist_norm2", "cosine_similarity", "dist_angle"])
def test_vectors_as_real_arrays(postgresql, fn):
    """No vector overloads (MADlib's REGPROC lookups need one function per name): a pgvector value
    reaches the functions as real[]."""
    got = q(postgresql, f"SELECT indb_ml.{fn}('[1,2]'::vector::real[], '[2,4]'::vector::real[])")
    assert got == q(postgresql, f"SELECT indb_ml.{fn}('{{1,2}}'::float8[], '{{2,4}}'::float8[])")
    fails(postgresql, E.ArraySubscriptError, "2 elements but y has 3",
          f"SELECT indb_ml.{fn}('[1,2]'::vector::real[], '[1,2,3]'::vector::real[])")


@pytest.mark.parametrize("call, where", [
    ("array_add('{1,NULL}', '{1,2}')", r"x\[2\]"), ("array_sub('{1,2}', '{NULL,2}')", r"y\[1\]"),
    ("array_mult('{1,NULL}', '{1,2}')", r"x\[2\]"), ("array_div('{1,2}', '{1,NULL}')", r"y\[2\]"),
    ("array_dot('{1,2,3}', '{1,NULL,3}')", r"y\[2\]"), ("array_contains('{NULL}', '{1}')", r"x\[1\]"),
    ("array_scalar_mult('{1,NULL}', 2)", r"x\[2\]"), ("array_scalar_add('{NULL}', 2)", r"x\[1\]"),
    ("array_abs('{NULL}')", r"x\[1\]"), ("array_sqrt('{4,NULL}')", r"x\[2\]"), ("array_square('{NULL}')", r"x\[1\]"),
    ("array_pow('{NULL}', 2)", r"x\[1\]"), ("array_cos('{NULL}')", r"x\[1\]"),
    ("array_cum_sum('{1,NULL}')", r"x\[2\]"), ("array_cum_prod('{NULL}')", r"x\[1\]"),
    ("array_filter('{1,NULL}')", r"x\[2\]"), ("normalize('{3,NULL}')", r"x\[2\]"),
    ("norm1('{1,NULL}')", r"x\[2\]"), ("norm2('{NULL,1}')", r"x\[1\]"),
    ("squared_dist_norm2('{1,NULL}', '{1,2}')", r"x\[2\]"), ("dist_norm1('{1,2}', '{NULL,2}')", r"y\[1\]"),
    ("dist_norm2('{1,2}', '{1,NULL}')", r"y\[2\]"), ("dist_inf_norm('{1,NULL}', '{1,2}')", r"x\[2\]"),
    ("dist_pnorm('{1,NULL}', '{1,2}', 3)", r"x\[2\]"), ("cosine_similarity('{1,2}', '{NULL,2}')", r"y\[1\]"),
    ("dist_angle('{NULL,2}', '{1,2}')", r"x\[1\]"), ("dist_tanimoto('{1,2}', '{1,NULL}')", r"y\[2\]"),
])
def test_null_elements_are_an_error(postgresql, call, where):
    fn = call.split("(", 1)[0]
    fails(postgresql, E.NullValueNotAllowed, rf"{fn}: {where} is NULL", f"SELECT indb_ml.{typed(call)}")


def test_jaccard_null_element_is_an_error(postgresql):
    fails(postgresql, E.NullValueNotAllowed, r"dist_jaccard: y\[2\] is NULL",
          "SELECT indb_ml.dist_jaccard('{a}'::text[], '{b,NULL}'::text[])")


@pytest.mark.parametrize("call", [
    "array_max_index('{{1,2},{3,4}}'::float8[])", "array_min_index('{{1,2},{3,4}}'::float8[])",
    "normalize('{{1,2},{3,4}}'::float8[])", "array_filter('{{1,2},{3,4}}'::float8[])",
    "dist_jaccard('{{a,b}}'::text[], '{a}'::text[])",
    "array_unnest_2d_to_1d('{1,2}'::float8[])", "array_unnest_2d_to_1d('{{{1}}}'::float8[])",
    "closest_column('{1,2}'::float8[], '{1,2}'::float8[])",
    "array_add('{{1,2},{3,4}}'::float8[], '{1,2,3,4}'::float8[])",
    "array_dot('{{1,2},{3,4}}'::float8[], '{{1,2,3,4}}'::float8[])",
])
def test_wrong_dimensions(postgresql, call):
    fails(postgresql, E.ArraySubscriptError, "dimension", f"SELECT * FROM indb_ml.{call}")


def test_division_by_zero_sqrt_of_negative_and_bad_parameters(postgresql):
    fails(postgresql, E.DivisionByZero, r"array_div: division by zero: y\[3\] is 0",
          "SELECT indb_ml.array_div('{1,2,3}'::float8[], '{1,2,-0.0}'::float8[])")
    fails(postgresql, E.InvalidArgumentForPowerFunction, r"array_sqrt: .*negative.*x\[2\] is -4",
          "SELECT indb_ml.array_sqrt('{4,-4}'::float8[])")
    fails(postgresql, E.InvalidArgumentForPowerFunction, None, "SELECT indb_ml.array_pow('{0}'::float8[], -1)")
    for p in ("0", "-1", "'NaN'"):
        fails(postgresql, E.InvalidParameterValue, "dist_pnorm: p must be positive",
              f"SELECT indb_ml.dist_pnorm('{{1}}'::float8[], '{{2}}', {p})")
    for k in (0, -3, 10_000_001):
        fails(postgresql, E.InvalidParameterValue, "invalid array length", "SELECT indb_ml.array_of_float(%s)", [k])
        fails(postgresql, E.InvalidParameterValue, "invalid array length", "SELECT indb_ml.array_of_bigint(%s)", [k])
    fails(postgresql, E.InvalidParameterValue, 'operator "~" is not supported',
          "SELECT indb_ml.array_filter('{1}'::float8[], 0, '~')")
    fails(postgresql, E.UndefinedFunction, "no distance function nope",
          "SELECT indb_ml.closest_column('{{1}}'::float8[], '{1}', 'nope')")
    fails(postgresql, E.InvalidParameterValue, "num must not be negative",
          "SELECT indb_ml.closest_columns('{{1}}'::float8[], '{1}', -1)")


def test_empty_arrays(postgresql):
    e = "'{}'::float8[]"
    for fn in ("array_add", "array_sub", "array_mult", "array_div"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({e}, {e})") == []
    for fn in ("array_abs", "array_sqrt", "array_square", "array_cos", "array_cum_sum", "array_cum_prod",
               "normalize", "array_filter"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({e})") == [], fn
    for fn in ("array_scalar_mult", "array_scalar_add", "array_pow", "array_fill"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({e}, 2)") == [], fn
    # sums and norms of nothing are 0; what is undefined is NULL (MADlib: 0 and a WARNING)
    for fn in ("array_sum", "array_sum_big", "array_abs_sum", "norm1", "norm2"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({e})") == 0, fn
    for fn in ("array_mean", "array_stddev", "array_min", "array_max", "array_max_index", "array_min_index"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({e})") is None, fn
    for fn in ("array_dot", "squared_dist_norm2", "dist_norm1", "dist_norm2", "dist_inf_norm"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({e}, {e})") == 0, fn
    assert q(postgresql, f"SELECT indb_ml.dist_pnorm({e}, {e}, 3)") == 0
    assert q(postgresql, f"SELECT indb_ml.array_contains({e}, {e})") is True
    assert q(postgresql, f"SELECT indb_ml.cosine_similarity({e}, {e})") == -1  # MADlib: -1 for zero vectors
    assert q(postgresql, f"SELECT indb_ml.dist_angle({e}, {e})") == pytest.approx(math.pi)
    assert math.isnan(q(postgresql, f"SELECT indb_ml.dist_tanimoto({e}, {e})"))
    assert q(postgresql, "SELECT indb_ml.dist_jaccard('{}'::text[], '{}'::text[])") == 0
    assert q(postgresql, "SELECT indb_ml.dist_jaccard('{}'::text[], '{a}'::text[])") == 1
    assert postgresql.execute(f"SELECT * FROM indb_ml.array_unnest_2d_to_1d({e})").fetchall() == []
    assert q(postgresql, "SELECT indb_ml.array_contains_null('{}'::int[])") is False


def test_all_null_or_nan_elements_are_skipped_by_reductions(postgresql):
    x = "'{NULL,NaN,NULL}'::float8[]"
    assert q(postgresql, f"SELECT indb_ml.array_sum({x})") == 0
    for fn in ("array_mean", "array_stddev", "array_min", "array_max", "array_max_index", "array_min_index"):
        assert q(postgresql, f"SELECT indb_ml.{fn}({x})") is None, fn
    assert q(postgresql, "SELECT indb_ml.array_stddev('{NULL,5,NaN}'::float8[])") is None  # one value


def test_length_one(postgresql):
    assert q(postgresql, "SELECT indb_ml.array_add('{2}'::float8[], '{3}')") == [5]
    assert q(postgresql, "SELECT indb_ml.array_dot('{2}'::float8[], '{3}')") == 6
    assert q(postgresql, "SELECT indb_ml.array_mean('{2}'::float8[])") == 2
    assert q(postgresql, "SELECT indb_ml.array_stddev('{2}'::float8[])") is None  # as stddev_samp (MADlib: 0)
    assert q(postgresql, "SELECT indb_ml.array_max_index('{-2}'::float8[])") == [-2, 1]
    assert q(postgresql, "SELECT indb_ml.normalize('{-2}'::float8[])") == [-1]
    assert q(postgresql, "SELECT indb_ml.dist_norm2('{2}'::float8[], '{-1}')") == 3
    assert q(postgresql, "SELECT indb_ml.cosine_similarity('{2}'::float8[], '{-1}')") == -1
    assert q(postgresql, "SELECT indb_ml.dist_angle('{2}'::float8[], '{3}')") == 0
    assert q(postgresql, "SELECT indb_ml.norm1('{-2}'::float8[])") == 2


def test_zero_vectors_follow_madlib(postgresql):
    z, v = "'{0,0}'::float8[]", "'{1,2}'::float8[]"
    assert q(postgresql, f"SELECT indb_ml.normalize({z})") == [0, 0]  # returned unchanged (no WARNING)
    assert q(postgresql, f"SELECT indb_ml.cosine_similarity({z}, {v})") == -1
    assert q(postgresql, f"SELECT indb_ml.dist_angle({v}, {z})") == pytest.approx(math.pi)
    assert math.isnan(q(postgresql, f"SELECT indb_ml.dist_tanimoto({z}, {z})"))
    assert q(postgresql, f"SELECT indb_ml.dist_tanimoto({z}, {v})") == 1


def test_nan_and_infinity_propagate(postgresql):
    assert math.isnan(q(postgresql, "SELECT indb_ml.array_dot('{NaN,1}'::float8[], '{1,1}')"))
    assert math.isnan(q(postgresql, "SELECT indb_ml.cosine_similarity('{NaN,1}'::float8[], '{1,1}')"))
    assert math.isnan(q(postgresql, "SELECT indb_ml.dist_inf_norm('{NaN,1}'::float8[], '{1,1}')"))
    assert q(postgresql, "SELECT indb_ml.array_add('{Infinity,1}'::float8[], '{1,1}')") == [math.inf, 2]
    assert q(postgresql, "SELECT indb_ml.array_max('{1,Infinity,NaN}'::float8[])") == math.inf


def test_non_default_lower_bounds(postgresql):
    x0 = "'[0:2]={1,2,3}'::float8[]"
    assert q(postgresql, f"SELECT indb_ml.array_add({x0}, '{{10,20,30}}')") == [11, 22, 33]
    assert q(postgresql, f"SELECT array_dims(indb_ml.array_add({x0}, {x0}))") == "[0:2]"  # x's subscripts kept
    assert q(postgresql, f"SELECT array_dims(indb_ml.array_abs({x0}))") == "[0:2]"
    assert q(postgresql, f"SELECT indb_ml.array_dot({x0}, '{{1,1,1}}')") == 6
    assert q(postgresql, f"SELECT indb_ml.dist_norm1({x0}, '{{1,1,1}}')") == 3
    assert q(postgresql, f"SELECT indb_ml.array_max_index({x0})") == [3, 2]  # the subscript, as MADlib
    fails(postgresql, E.NullValueNotAllowed, r"x\[0\] is NULL",
          "SELECT indb_ml.array_add('[0:1]={NULL,1}'::float8[], '{1,2}')")


# ---------------------------------------------------------------- against numpy / scipy

@pytest.mark.parametrize("n", [1, 7, 100])
def test_elementwise_against_numpy(postgresql, n):
    rng = np.random.default_rng(n)
    x, y = rand(rng, n), rand(rng, n)
    y[np.abs(y) < 1e-3] = 1.0
    k = float(rng.normal())
    cases = [
        ("array_add(%s::float8[], %s::float8[])", (x, y), x + y, 1e-15),
        ("array_sub(%s::float8[], %s::float8[])", (x, y), x - y, 1e-15),
        ("array_mult(%s::float8[], %s::float8[])", (x, y), x * y, 1e-15),
        ("array_div(%s::float8[], %s::float8[])", (x, y), x / y, 1e-15),
        ("array_scalar_mult(%s::float8[], %s)", (x, k), x * k, 1e-15),
        ("array_scalar_add(%s::float8[], %s)", (x, k), x + k, 1e-15),
        ("array_abs(%s::float8[])", (x,), np.abs(x), 0),
        ("array_square(%s::float8[])", (x,), x * x, 1e-15),
        ("array_sqrt(%s::float8[])", (np.abs(x),), np.sqrt(np.abs(x)), 1e-15),
        ("array_pow(%s::float8[], %s)", (np.abs(x), 2.5), np.abs(x) ** 2.5, 1e-14),
        ("array_pow(%s::float8[], %s)", (x, 3.0), x ** 3, 1e-14),
        ("array_cos(%s::float8[])", (x,), np.cos(x), 1e-14),
        ("array_cum_sum(%s::float8[])", (x,), np.cumsum(x), 1e-15),
        ("array_cum_prod(%s::float8[])", (x / 10,), np.cumprod(x / 10), 1e-13),
        ("normalize(%s::float8[])", (x,), x / np.linalg.norm(x), 1e-14),
        ("array_fill(%s::float8[], %s)", (x, k), np.full(n, k), 0),
    ]
    for expr, args, want, rtol in cases:
        got = q(postgresql, "SELECT indb_ml." + expr, *[a.tolist() if isinstance(a, np.ndarray) else a for a in args])
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, err_msg=expr)


@pytest.mark.parametrize("n", [1, 2, 9, 250])
def test_reductions_against_numpy(postgresql, n):
    rng = np.random.default_rng(100 + n)
    x, y = rand(rng, n), rand(rng, n)
    got = postgresql.execute(
        "SELECT indb_ml.array_sum(x), indb_ml.array_sum_big(x), indb_ml.array_abs_sum(x), indb_ml.array_mean(x), "
        "indb_ml.array_stddev(x), indb_ml.array_min(x), indb_ml.array_max(x), indb_ml.array_min_index(x), "
        "indb_ml.array_max_index(x), indb_ml.array_dot(x, y), indb_ml.norm1(x), indb_ml.norm2(x) "
        "FROM (SELECT %s::float8[] AS x, %s::float8[] AS y) s", [x.tolist(), y.tolist()]).fetchone()
    want = [x.sum(), x.sum(), np.abs(x).sum(), x.mean(), np.std(x, ddof=1) if n > 1 else None, x.min(), x.max(),
            [x.min(), np.argmin(x) + 1], [x.max(), np.argmax(x) + 1], x @ y, np.abs(x).sum(), np.linalg.norm(x)]
    for g, w in zip(got, want):
        if w is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12)


def test_reductions_skip_null_and_nan_like_nanfunctions(postgresql):
    rng = np.random.default_rng(5)
    x = rand(rng, 40)
    x[[3, 17]] = np.nan
    arr = [None if i in (5, 30) else v for i, v in enumerate(x.tolist())]  # NULLs too
    xs = np.array([np.nan if v is None else v for v in arr])
    row = postgresql.execute(
        "SELECT indb_ml.array_sum(x), indb_ml.array_mean(x), indb_ml.array_stddev(x), indb_ml.array_min(x), "
        "indb_ml.array_max(x), indb_ml.array_max_index(x), indb_ml.array_abs_sum(x) "
        "FROM (SELECT %s::float8[] AS x) s", [arr]).fetchone()
    want = [np.nansum(xs), np.nanmean(xs), np.nanstd(xs, ddof=1), np.nanmin(xs), np.nanmax(xs),
            [np.nanmax(xs), np.nanargmax(xs) + 1], np.nansum(np.abs(xs))]
    for g, w in zip(row, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_extrema_index_ties_take_the_first(postgresql):
    assert q(postgresql, "SELECT indb_ml.array_max_index('{1,5,5,0,0}'::float8[])") == [5, 2]
    assert q(postgresql, "SELECT indb_ml.array_min_index('{1,5,5,0,0}'::float8[])") == [0, 4]


@pytest.mark.parametrize("n", [1, 3, 64])
def test_distances_against_scipy(postgresql, n):
    rng = np.random.default_rng(200 + n)
    for _ in range(5):
        x, y = rand(rng, n), rand(rng, n)
        row = postgresql.execute(
            "SELECT indb_ml.dist_norm1(x, y), indb_ml.dist_norm2(x, y), indb_ml.squared_dist_norm2(x, y), "
            "indb_ml.dist_inf_norm(x, y), indb_ml.dist_pnorm(x, y, 3), indb_ml.dist_pnorm(x, y, 0.5), "
            "indb_ml.dist_pnorm(x, y, 'Infinity'), indb_ml.cosine_similarity(x, y), indb_ml.dist_angle(x, y), "
            "indb_ml.dist_tanimoto(x, y) FROM (SELECT %s::float8[] AS x, %s::float8[] AS y) s",
            [x.tolist(), y.tolist()]).fetchone()
        cos = 1 - sd.cosine(x, y)
        want = [sd.cityblock(x, y), sd.euclidean(x, y), sd.sqeuclidean(x, y), sd.chebyshev(x, y),
                sd.minkowski(x, y, 3), np.sum(np.abs(x - y) ** 0.5) ** 2, sd.chebyshev(x, y), cos,
                np.arccos(np.clip(cos, -1, 1)), 1 - x @ y / (x @ x + y @ y - x @ y)]
        np.testing.assert_allclose(row[:7], want[:7], rtol=1e-12)
        np.testing.assert_allclose(row[7:], want[7:], rtol=1e-12, atol=1e-12)


def test_dist_angle_is_clamped_for_parallel_vectors(postgresql):
    assert q(postgresql, "SELECT indb_ml.dist_angle('{0.1,0.2,0.3}'::float8[], '{0.2,0.4,0.6}')") == pytest.approx(
        0, abs=2e-8)
    assert q(postgresql, "SELECT indb_ml.cosine_similarity('{0.1,0.2,0.3}'::float8[], '{-0.3,-0.6,-0.9}')") >= -1


def test_dist_jaccard_against_scipy_and_sets(postgresql):
    rng = np.random.default_rng(3)
    for _ in range(10):
        a = rng.integers(0, 12, size=rng.integers(1, 15)).astype(str).tolist()
        b = rng.integers(0, 12, size=rng.integers(1, 15)).astype(str).tolist()
        sa, sb = set(a), set(b)
        universe = sorted(sa | sb)
        want = sd.jaccard([u in sa for u in universe], [u in sb for u in universe])
        assert want == pytest.approx(1 - len(sa & sb) / len(sa | sb))
        assert q(postgresql, "SELECT indb_ml.dist_jaccard(%s::text[], %s::text[])", a, b) == pytest.approx(want)
    # byte-wise comparison whatever the collation, as MADlib's std::string sets
    assert q(postgresql, "SELECT indb_ml.dist_jaccard('{a,A,b}'::text[], '{a,B}'::text[])") == pytest.approx(0.75)


# ---------------------------------------------------------------- MADlib's REGPROC distances, N-D inputs

def test_distance_names_resolve_as_regproc(postgresql):
    """MADlib passes distances as REGPROC: 'squared_dist_norm2'::regproc must name one function
    (no overloads next to pgvector's), with indb_ml on the search_path as a MADlib user sets it."""
    postgresql.execute("SET search_path = indb_ml, public")
    for name in ("squared_dist_norm2", "dist_norm2", "dist_norm1", "dist_angle", "dist_tanimoto", "dist_inf_norm",
                 "cosine_similarity", "norm1", "norm2", "dist_pnorm"):
        assert q(postgresql, f"SELECT '{name}'::regproc::text") == name
        assert q(postgresql, f"SELECT 'indb_ml.{name}'::regproc::text") == name


def test_madlib_linalg_test_file(postgresql):
    """linalg/test/linalg.sql_in: closest_column of an ARRAY of numeric arrays, checked (as MADlib
    does) against squared_dist_norm2 of the 1 x n slice matrix[i:i] (a 2-D array MADlib reads as a
    vector); closest_columns with MADlib's exact powers-of-two answers and a REGPROC metric."""
    postgresql.execute("SET search_path = indb_ml, public")
    a, b = [1.2, 4.5, -1.6, 9.2, 100.3, 34.3], [-3.1, -5.4, 6.2, 10.2, 59.2, -8.2]
    c, d, x = [42.0, 32.0, 3.1, 8.1, 24.3, 10.3], [-5.1, 12.2, 3.9, -6.4, 39.9, -4.9], [1.2, 5.0, 6.4, -5.0, 56.0, 0.0]
    row = postgresql.execute(
        "SELECT squared_dist_norm2(matrix[column_id + lb:column_id + lb], x) AS dist1, distance, least FROM ("
        "SELECT (closest_column(matrix, x)).*, least(squared_dist_norm2(a, x), squared_dist_norm2(b, x), "
        "squared_dist_norm2(c, x), squared_dist_norm2(d, x)), array_lower(matrix, 2) AS lb, * FROM ("
        "SELECT ARRAY[a, b, c, d] AS matrix, * FROM (SELECT %s::numeric[] AS a, %s::numeric[] AS b, "
        "%s::numeric[] AS c, %s::numeric[] AS d, %s::numeric[] AS x) s1) s2) s3", [a, b, c, d, x]).fetchone()
    ref = sd.cdist(np.array([a, b, c, d]), np.array([x]), "sqeuclidean")[:, 0]
    assert row[0] == row[1] == row[2] == pytest.approx(ref.min(), rel=1e-12)
    matrix = "ARRAY[ARRAY[0,0],ARRAY[1,0],ARRAY[1,1],ARRAY[0,1]]::DOUBLE PRECISION[][]"
    expected = {(.5, .5): ([0, 1], [0.5, 0.5]), (.25, .25): ([0, 1], [0.125, 0.625]),
                (.75, .25): ([1, 0], [0.125, 0.625]), (.25, .75): ([3, 0], [0.125, 0.625]),
                (.25, .5): ([0, 3], [0.3125, 0.3125])}
    for point, want in expected.items():
        for metric in ("", ", 'squared_dist_norm2'::REGPROC", ", 'squared_dist_norm2'::REGPROC, 'squared_dist_norm2'"):
            got = q2(postgresql, f"SELECT (c).column_ids, (c).distances FROM (SELECT closest_columns({matrix}, "
                                 f"ARRAY[{point[0]},{point[1]}]::DOUBLE PRECISION[], 2{metric}) AS c) s")
            assert got == want, (point, metric)
    got = q2(postgresql, f"SELECT (c).* FROM (SELECT closest_column({matrix}, ARRAY[.9,.1]::float8[], "
                         "'dist_norm1'::regproc) AS c) s")
    assert got == (1, pytest.approx(0.2))
    # the user doc examples of the distances (linalg.sql_in), also with the vectors as 1 x 9 matrices
    a2, b2 = [1, 1, 0, -4, 5, 3, 4, 106, 14], [1, 1, 0, 6, -3, 1, 2, 92, 2]
    for shape in ("%s::float8[]", "ARRAY[%s::float8[]]"):
        got = postgresql.execute(
            f"SELECT norm1(a), norm2(a), dist_norm1(a, b), dist_norm2(a, b), dist_pnorm(a, b, 5), dist_inf_norm(a, b), "
            f"squared_dist_norm2(a, b), dist_angle(a, b), dist_tanimoto(a, b) FROM (SELECT {shape} AS a, {shape} AS b) "
            f"s", [a2, b2]).fetchone()
        np.testing.assert_allclose(got, [138, 107.238052947636, 48, 22.6274169979695, 15.585086360695, 14, 512,
                                         0.17106899659286, 0.0498733684005455], rtol=1e-13, err_msg=shape)


def test_integer_and_real_arrays_are_accepted(postgresql):
    assert q(postgresql, "SELECT indb_ml.array_add(ARRAY[1,2], ARRAY[3,4])") == [4, 6]
    assert q(postgresql, "SELECT indb_ml.norm2(ARRAY[3,4])") == 5
    assert q(postgresql, "SELECT indb_ml.dist_norm1('{1.5,2}'::real[], '{1,1}'::numeric[])") == 1.5


# ---------------------------------------------------------------- N-D arrays, other functions

def test_two_and_three_dimensional_arrays(postgresql):
    rng = np.random.default_rng(9)
    a, b = rand(rng, (3, 4)), rand(rng, (3, 4))
    for fn, want in (("array_add", a + b), ("array_sub", a - b), ("array_mult", a * b), ("array_div", a / b)):
        np.testing.assert_allclose(q(postgresql, f"SELECT indb_ml.{fn}(%s::float8[], %s::float8[])",
                                     a.tolist(), b.tolist()), want, rtol=1e-15)
    np.testing.assert_allclose(q(postgresql, "SELECT indb_ml.array_dot(%s::float8[], %s::float8[])",
                                 a.tolist(), b.tolist()), np.sum(a * b), rtol=1e-12)
    np.testing.assert_allclose(q(postgresql, "SELECT indb_ml.array_cum_sum(%s::float8[])", a.tolist()),
                               np.cumsum(a).reshape(3, 4), rtol=1e-13)
    np.testing.assert_allclose(q(postgresql, "SELECT indb_ml.array_scalar_mult(%s::float8[], 2)", a.tolist()),
                               2 * a, rtol=0)
    assert q(postgresql, "SELECT indb_ml.array_fill('[0:1][2:3]={{1,2},{3,4}}'::float8[], 7)") == [[7, 7], [7, 7]]
    assert q(postgresql, "SELECT array_dims(indb_ml.array_fill('[0:1][2:3]={{1,2},{3,4}}'::float8[], 7))") == \
        "[0:1][2:3]"
    for fn, want in (("array_sum", a.sum()), ("array_mean", a.mean()), ("array_stddev", np.std(a, ddof=1)),
                     ("array_max", a.max()), ("array_min", a.min())):
        np.testing.assert_allclose(q(postgresql, f"SELECT indb_ml.{fn}(%s::float8[])", a.tolist()), want,
                                   rtol=1e-12)
    c, d = rand(rng, (2, 3, 4)), rand(rng, (2, 3, 4))
    np.testing.assert_allclose(q(postgresql, "SELECT indb_ml.array_add(%s::float8[], %s::float8[])",
                                 c.tolist(), d.tolist()), c + d, rtol=1e-15)
    np.testing.assert_allclose(q(postgresql, "SELECT indb_ml.array_abs(%s::float8[])", c.tolist()), np.abs(c))
    fails(postgresql, E.ArraySubscriptError, r"x has dimensions \[1:3\]\[1:4\] but y has \[1:4\]\[1:3\]",
          "SELECT indb_ml.array_add(%s::float8[], %s::float8[])", [a.tolist(), a.T.tolist()])
    fails(postgresql, E.NullValueNotAllowed, "array_sub: y",
          "SELECT indb_ml.array_sub('{{1,2},{3,4}}'::float8[], '{{1,2},{NULL,4}}'::float8[])")


def test_array_unnest_2d_to_1d(postgresql):
    rows = postgresql.execute(
        "SELECT (indb_ml.array_unnest_2d_to_1d('{{1.5,2},{3,4},{5,6}}'::float8[])).* ORDER BY 1").fetchall()
    assert rows == [(1, [1.5, 2]), (2, [3, 4]), (3, [5, 6])]
    rows = postgresql.execute("SELECT * FROM indb_ml.array_unnest_2d_to_1d('[0:1][1:2]={{a,b},{c,NULL}}'::text[])")
    assert rows.fetchall() == [(0, ["a", "b"]), (1, ["c", None])]


def test_array_contains_filter_of_and_contains_null(postgresql):
    assert q(postgresql, "SELECT indb_ml.array_contains('{1,2,3}'::float8[], '{1,0,3}')") is True
    assert q(postgresql, "SELECT indb_ml.array_contains('{1,2,3}'::float8[], '{0,0,0}')") is True
    assert q(postgresql, "SELECT indb_ml.array_contains('{1,2,3}'::float8[], '{0,2,4}')") is False
    assert q(postgresql, "SELECT indb_ml.array_filter('{0,1,0,-2}'::float8[])") == [1, -2]
    assert q(postgresql, "SELECT indb_ml.array_filter('{0,1,0,-2}'::float8[], 1)") == [0, 0, -2]
    x = [3.0, -1.0, 0.5, 2.0, 2.0]
    for op, keep in (("!=", lambda v: v != 2), ("<>", lambda v: v != 2), ("=", lambda v: v == 2),
                     ("==", lambda v: v == 2), (">", lambda v: v > 2), (">=", lambda v: v >= 2),
                     ("<", lambda v: v < 2), ("<=", lambda v: v <= 2)):
        assert q(postgresql, "SELECT indb_ml.array_filter(%s::float8[], 2, %s)", x, op) == [v for v in x if keep(v)]
    assert q(postgresql, "SELECT indb_ml.array_filter('{1,1}'::float8[], 1)") == []
    assert q(postgresql, "SELECT indb_ml.array_of_float(3)") == [0, 0, 0]
    assert q(postgresql, "SELECT indb_ml.array_of_bigint(2)") == [0, 0]
    assert q(postgresql, "SELECT indb_ml.array_contains_null('{{1,2},{NULL,3}}'::int[])") is True
    assert q(postgresql, "SELECT indb_ml.array_contains_null('{a,b}'::text[])") is False


def test_madlib_documented_examples(postgresql):
    """The results printed in MADlib's array_ops and linalg documentation."""
    postgresql.execute("CREATE TABLE array_tbl (id int, array1 int[], array2 int[])")
    postgresql.execute("INSERT INTO array_tbl VALUES (1, '{1,2,3,4,5,6,7,8,9}', '{9,8,7,6,5,4,3,2,1}'), "
                       "(2, '{1,1,0,1,1,2,3,99,8}', '{0,0,0,-5,4,1,1,7,6}')")
    rows = postgresql.execute(
        "SELECT indb_ml.array_min(array1), indb_ml.array_max(array1), indb_ml.array_min_index(array1), "
        "indb_ml.array_max_index(array1), indb_ml.array_mean(array1), indb_ml.array_stddev(array1), "
        "indb_ml.array_add(array1, array2), indb_ml.array_sub(array1, array2), indb_ml.array_dot(array1, array2), "
        "indb_ml.array_scalar_mult(array1, 3) FROM array_tbl ORDER BY id").fetchall()
    np.testing.assert_allclose(rows[0][4:6], [5, 2.73861278752583], rtol=1e-14)
    np.testing.assert_allclose(rows[1][4:6], [12.8888888888889, 32.3784050118457], rtol=1e-14)
    assert rows[0][:4] == (1, 9, [1, 1], [9, 9]) and rows[1][:4] == (0, 99, [0, 3], [99, 8])
    assert rows[0][6:] == ([10] * 9, [-8, -6, -4, -2, 0, 2, 4, 6, 8], 165, [3, 6, 9, 12, 15, 18, 21, 24, 27])
    assert rows[1][6:] == ([1, 1, 0, -4, 5, 3, 4, 106, 14], [1, 1, 0, 6, -3, 1, 2, 92, 2], 745,
                           [3, 3, 0, 3, 3, 6, 9, 297, 24])
    assert q(postgresql, "SELECT indb_ml.array_mult(array1, array2) FROM array_tbl WHERE id = 1") == \
        [9, 16, 21, 24, 25, 24, 21, 16, 9]
    np.testing.assert_allclose(q(postgresql, "SELECT indb_ml.array_fill(indb_ml.array_of_float(9), 1.3::float)"),
                               [1.3] * 9)
    two = "(VALUES (1, '{3,4}'::float8[], '{4,5}'::float8[]), (2, '{1,1,0,-4,5,3,4,106,14}', '{1,1,0,6,-3,1,2,92,2}'))"
    for cast in ("", "::vector::real[]"):
        got = postgresql.execute(
            f"SELECT indb_ml.norm1(a{cast}), indb_ml.norm2(a{cast}), indb_ml.dist_norm1(a{cast}, b{cast}), "
            f"indb_ml.dist_norm2(a{cast}, b{cast}), indb_ml.dist_pnorm(a{cast}, b{cast}, 5), "
            f"indb_ml.dist_inf_norm(a{cast}, b{cast}), indb_ml.squared_dist_norm2(a{cast}, b{cast}), "
            f"indb_ml.cosine_similarity(a{cast}, b{cast}), indb_ml.dist_angle(a{cast}, b{cast}), "
            f"indb_ml.dist_tanimoto(a{cast}, b{cast}), indb_ml.dist_jaccard(a::text[], b::text[]) "
            f"FROM {two} AS v(id, a, b) ORDER BY id").fetchall()
        np.testing.assert_allclose(got, [
            [7, 5, 2, 1.4142135623731, 1.14869835499704, 1, 2, 0.999512076087079, 0.0312398334302684,
             0.0588235294117647, 0.666666666666667],
            [138, 107.238052947636, 48, 22.6274169979695, 15.585086360695, 14, 512, 0.985403348449008,
             0.17106899659286, 0.0498733684005455, 0.833333333333333]], rtol=1e-6 if cast else 1e-13, err_msg=cast)


def test_closest_column_and_columns_against_scipy(postgresql):
    rng = np.random.default_rng(11)
    m, x = rand(rng, (6, 4)), rand(rng, 4)
    metrics = {"squared_dist_norm2": "sqeuclidean", "dist_norm2": "euclidean", "dist_norm1": "cityblock",
               "dist_inf_norm": "chebyshev", "madlib.dist_norm2": "euclidean", "indb_ml.dist_norm1": "cityblock"}
    for name, metric in metrics.items():
        d = sd.cdist(m, x[None, :], metric)[:, 0]
        cid, dist = q2(postgresql, "SELECT * FROM indb_ml.closest_column(%s::float8[], %s::float8[], %s)",
                      m.tolist(), x.tolist(), name)
        assert cid == int(np.argmin(d)) and dist == pytest.approx(d.min(), rel=1e-12), name
        ids, dists = q2(postgresql, "SELECT * FROM indb_ml.closest_columns(%s::float8[], %s::float8[], 3, %s)",
                       m.tolist(), x.tolist(), name)
        assert ids == np.argsort(d, kind="stable")[:3].tolist(), name
        np.testing.assert_allclose(dists, np.sort(d)[:3], rtol=1e-12)
    cid, _ = q2(postgresql, "SELECT * FROM indb_ml.closest_column(%s::float8[], %s::float8[])", m.tolist(), x.tolist())
    assert cid == int(np.argmin(sd.cdist(m, x[None, :], "sqeuclidean")))
    # angle: the metric of spherical k-means
    want = np.arccos(np.clip(1 - sd.cdist(m, x[None, :], "cosine")[:, 0], -1, 1))
    cid, dist = q2(postgresql, "SELECT * FROM indb_ml.closest_column(%s::float8[], %s::float8[], 'dist_angle')",
                  m.tolist(), x.tolist())
    assert cid == int(np.argmin(want)) and dist == pytest.approx(want.min(), rel=1e-9)
    # any user function of (float8[], float8[]) -> float8
    postgresql.execute("CREATE FUNCTION public.my_dist(a float8[], b float8[]) RETURNS float8 LANGUAGE sql "
                       "IMMUTABLE PARALLEL SAFE RETURN -indb_ml.dist_norm2(a, b)")
    cid, dist = q2(postgresql, "SELECT * FROM indb_ml.closest_column(%s::float8[], %s::float8[], 'public.my_dist')",
                  m.tolist(), x.tolist())
    d = sd.cdist(m, x[None, :])[:, 0]
    assert cid == int(np.argmax(d)) and dist == pytest.approx(-d.max())
    # ties: the first; more requested than rows: all rows; NULL elements: NULL, as MADlib
    assert q2(postgresql, "SELECT * FROM indb_ml.closest_column('{{1,1},{0,0},{0,0}}'::float8[], '{0,0}')") == (1, 0)
    assert q2(postgresql, "SELECT * FROM indb_ml.closest_columns('{{1,1},{0,0}}'::float8[], '{0,0}', 5)") == (
        [1, 0], [0, 2])
    assert q(postgresql, "SELECT indb_ml.closest_column('{{1,NULL}}'::float8[], '{0,0}') IS NULL") is True


def test_parallel_query_gives_the_serial_result(postgresql):
    rng = np.random.default_rng(21)
    postgresql.execute("CREATE TABLE t (id int, x float8[], y float8[], xv real[], yv real[])")
    with postgresql.cursor().copy("COPY t FROM STDIN") as copy:
        for i in range(3000):
            x, y = rand(rng, 5).astype(np.float32), rand(rng, 5).astype(np.float32)
            copy.write_row([i, x.astype(float).tolist(), y.astype(float).tolist(), x.tolist(), y.tolist()])
    postgresql.execute("ANALYZE t")
    query = ("SELECT sum(indb_ml.array_dot(x, y)), sum(indb_ml.dist_norm2(x, y)), sum(indb_ml.array_sum("
             "indb_ml.array_add(x, y))), sum(indb_ml.cosine_similarity(xv, yv)), sum(indb_ml.dist_norm1(xv, yv)) "
             "FROM t")
    serial = postgresql.execute(query).fetchone()
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2", "force_parallel_mode = on"):
        postgresql.execute("SET " + setting)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Gather" in plan, plan
    np.testing.assert_allclose(postgresql.execute(query).fetchone(), serial, rtol=1e-9)


def test_closest_column_refuses_volatile_or_parallel_unsafe_distances(postgresql):
    postgresql.execute("CREATE FUNCTION my_dist(a float8[], b float8[]) RETURNS float8 LANGUAGE sql VOLATILE "
                       "AS 'SELECT 1::float8'")
    with pytest.raises(E.InvalidParameterValue, match="IMMUTABLE and PARALLEL SAFE"), \
            postgresql.transaction():
        postgresql.execute("SELECT indb_ml.closest_column(ARRAY[[1, 2], [3, 4]]::float8[], ARRAY[1, 2]::float8[], "
                           "'public.my_dist')")
    postgresql.execute("CREATE FUNCTION ok_dist(a float8[], b float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE "
                       "PARALLEL SAFE AS 'SELECT a[1] - b[1]'")
    got = postgresql.execute("SELECT (indb_ml.closest_column(ARRAY[[5, 0], [2, 0]]::float8[], ARRAY[1, 2]::float8[], "
                             "'public.ok_dist')).column_id").fetchone()[0]
    assert got in (0, 1, 2)
