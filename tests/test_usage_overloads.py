"""MADlib's help overloads, ``fn()`` and ``fn(message)``, for every MADlib function indb_ml has.

MADlib 2.1 gives most user functions a help overload returning the usage text: ``fn()``,
``fn(message text)`` (``'usage'``, ``'help'``, ``'?'``), or both. A MADlib user types
``SELECT madlib.fn('usage')``; after switching the schema the same call must answer. The
list below is MADlib's own, read from its ``.sql_in`` sources (path in the comment of each
group: the ``CREATE FUNCTION ... (message ...) RETURNS TEXT/VARCHAR`` and ``... () RETURNS
...`` declarations), restricted to the functions indb_ml implements. The tests check that
the catalog has every one of them, with the forms MADlib declares, labelled as the other
help overloads are, that each call returns a text naming ``indb_ml.<fn>``, and that the
one-argument text overloads leave the real calls resolving as before.
"""

from __future__ import annotations

import re

import psycopg.errors as E
import pytest
from psycopg import pq

BOTH = ("", "message")  # fn() and fn(message)
MESSAGE = ("message",)  # only fn(message)
NONE = ("",)  # only fn()

MADLIB_HELP: dict[str, tuple[str, ...]] = {
    # src/ports/postgres/modules/regress/linear.sql_in
    "linregr_train": BOTH, "linregr_predict": BOTH,
    # src/ports/postgres/modules/regress/logistic.sql_in
    "logregr_train": BOTH, "logregr_predict": BOTH, "logregr_predict_prob": BOTH,
    # src/ports/postgres/modules/regress/multilogistic.sql_in (mlogregr_predict: message only)
    "mlogregr_train": BOTH, "mlogregr_predict": MESSAGE,
    # src/ports/postgres/modules/regress/robust.sql_in
    "robust_variance_linregr": BOTH, "robust_variance_logregr": BOTH, "robust_variance_mlogregr": BOTH,
    # src/ports/postgres/modules/regress/clustered_variance.sql_in
    "clustered_variance_linregr": BOTH, "clustered_variance_logregr": BOTH,
    "clustered_variance_mlogregr": BOTH,
    # src/ports/postgres/modules/regress/marginal.sql_in
    "margins": BOTH, "margins_logregr": BOTH, "margins_mlogregr": BOTH,
    # src/ports/postgres/modules/glm/glm.sql_in (glm_predict_poisson/_binomial: message only)
    "glm": BOTH, "glm_predict": BOTH, "glm_predict_poisson": MESSAGE, "glm_predict_binomial": MESSAGE,
    # src/ports/postgres/modules/glm/multiresponseglm.sql_in
    "multinom": BOTH, "multinom_predict": BOTH,
    # src/ports/postgres/modules/glm/ordinal.sql_in
    "ordinal": BOTH, "ordinal_predict": BOTH,
    # src/ports/postgres/modules/elastic_net/elastic_net.sql_in
    "elastic_net_train": BOTH,
    # src/ports/postgres/modules/knn/knn.sql_in
    "knn": BOTH,
    # src/ports/postgres/modules/utilities/create_indicators.sql_in
    "create_indicator_variables": BOTH,
    # src/ports/postgres/modules/linalg/svd.sql_in (svd_sparse, svd_sparse_native, svd_block: none)
    "svd": BOTH,
    # methods/array_ops/src/pg_gp/array_ops.sql_in (the only array function with a help overload)
    "array_unnest_2d_to_1d": NONE,
    # src/ports/postgres/modules/graph/pagerank.sql_in, hits.sql_in, wcc.sql_in (the graph_wcc_*
    # helpers have none), sssp.sql_in, bfs.sql_in, apsp.sql_in (the *_get_path functions have none),
    # measures.sql_in
    "pagerank": BOTH, "hits": BOTH, "weakly_connected_components": BOTH,
    "graph_sssp": BOTH, "graph_bfs": BOTH, "graph_apsp": BOTH,
    "graph_closeness": BOTH, "graph_diameter": BOTH, "graph_avg_path_length": BOTH,
    "graph_vertex_degrees": BOTH,
    # src/ports/postgres/modules/linalg/matrix_ops.sql_in (matrix_random, matrix_square,
    # matrix_block_*, matrix_blockize, matrix_unblockize, matrix_mem_*: none in MADlib)
    **{name: BOTH for name in (
        "matrix_info", "matrix_mult", "matrix_ndims", "matrix_add", "matrix_sub", "matrix_extract_row",
        "matrix_extract_col", "matrix_zeros", "matrix_max", "matrix_min", "matrix_sum", "matrix_mean",
        "matrix_scalar_mult", "matrix_vec_mult", "matrix_elem_mult", "matrix_trans", "matrix_sparsify",
        "matrix_densify", "matrix_norm", "matrix_diag", "matrix_extract_diag", "matrix_identity",
        "matrix_ones", "matrix_inverse", "matrix_pinv", "matrix_lu", "matrix_eigen", "matrix_cholesky",
        "matrix_qr", "matrix_rank", "matrix_nuclear_norm")},
}

# The overloads added for issue 14; their texts are indb_ml's and take any message.
ADDED = {
    "mlogregr_train": BOTH, "mlogregr_predict": MESSAGE, "clustered_variance_linregr": BOTH,
    "clustered_variance_logregr": BOTH, "clustered_variance_mlogregr": BOTH, "margins": BOTH,
    "glm": MESSAGE, "multinom": BOTH, "multinom_predict": BOTH, "array_unnest_2d_to_1d": NONE,
    "pagerank": MESSAGE, "hits": MESSAGE, "weakly_connected_components": MESSAGE, "graph_sssp": MESSAGE,
    "graph_bfs": MESSAGE, "graph_apsp": MESSAGE, "graph_closeness": MESSAGE, "graph_diameter": MESSAGE,
    "graph_avg_path_length": MESSAGE, "graph_vertex_degrees": MESSAGE,
}

_HELP_ROWS = """
SELECT p.proname, pg_get_function_identity_arguments(p.oid), format_type(p.prorettype, NULL),
       p.provolatile, p.proparallel, obj_description(p.oid, 'pg_proc')
FROM pg_proc p
WHERE p.pronamespace = 'indb_ml'::regnamespace AND p.proname = ANY(%s)
  AND pg_get_function_identity_arguments(p.oid) IN ('', 'message text')
"""


def _forms(args: str) -> str:
    return "" if args == "" else "message"


def test_catalog_has_every_madlib_help_overload(postgresql):
    rows = postgresql.execute(_HELP_ROWS, [list(MADLIB_HELP)]).fetchall()
    have = {(name, _forms(args)) for name, args, *_ in rows}
    want = {(name, form) for name, forms in MADLIB_HELP.items() for form in forms}
    assert sorted(want - have) == [], "MADlib help overloads missing from the catalog"
    for name, args, returns, volatile, parallel, comment in rows:
        if (name, _forms(args)) in want:
            assert (returns, volatile, parallel) == ("text", "i", "s"), (name, args)
            assert comment and f"indb_ml.{name}" in comment, (name, args, comment)


def test_added_overloads_follow_madlib_exactly(postgresql):
    """Where MADlib declares only one form, indb_ml adds no other (as for glm_predict_poisson)."""
    rows = postgresql.execute(_HELP_ROWS, [list(ADDED)]).fetchall()
    have = {(name, _forms(args)) for name, args, *_ in rows}
    assert have == {(name, form) for name in ADDED for form in MADLIB_HELP[name]}
    with pytest.raises(E.UndefinedFunction):
        postgresql.execute("SELECT indb_ml.mlogregr_predict()")


@pytest.mark.parametrize("area", ["regress", "graph", "matrix", "other"])
def test_help_calls_return_text_naming_the_function(postgresql, area):
    def of(name: str) -> str:
        if name.startswith("matrix_") or name == "svd":
            return "matrix"
        if name.startswith("graph_") or name in ("pagerank", "hits", "weakly_connected_components"):
            return "graph"
        if name in ("knn", "create_indicator_variables", "array_unnest_2d_to_1d"):
            return "other"
        return "regress"

    names = [n for n in MADLIB_HELP if of(n) == area]
    assert names
    for name in names:
        forms = MADLIB_HELP[name]
        calls = ([f"indb_ml.{name}()"] if "" in forms else []) + (
            [f"indb_ml.{name}('usage')", f"indb_ml.{name}('help'::text)"] if "message" in forms else [])
        texts = [postgresql.execute("SELECT " + call).fetchone()[0] for call in calls]
        for call, text in zip(calls, texts):
            assert isinstance(text, str) and len(text) > 100, call
            assert f"indb_ml.{name}" in text, call
            assert not re.search(r"\bmadlib\.[a-z_]", text, re.I), call  # the schema is indb_ml's
        if name in ADDED:
            # indb_ml's texts do not depend on the message: MADlib's 'usage' text for any.
            extra = [f"indb_ml.{name}('?')", f"indb_ml.{name}(NULL)"] if "message" in forms else []
            texts += [postgresql.execute("SELECT " + call).fetchone()[0] for call in extra]
            assert len(set(texts)) == 1, name


def _result_type(conn, call: str) -> str:
    """The type a call resolves to, found by parsing it alone (libpq's prepare and describe:
    nothing runs): an ambiguous or wrongly resolved call fails here or shows the help
    overload's text."""
    res = conn.pgconn.prepare(b"", ("SELECT " + call).encode())
    assert res.status == pq.ExecStatus.COMMAND_OK, (call, res.error_message.decode())
    oid = conn.pgconn.describe_prepared(b"").ftype(0)
    return conn.execute("SELECT %s::regtype::text", [oid]).fetchone()[0]


# The shortest real call of each function that got a one-argument text overload, with untyped
# literals as a user writes them: it must still resolve to the real function.
REAL_CALLS = {
    "mlogregr_train": "'s', 'o', 'y', 'ARRAY[1, x]'",
    "mlogregr_predict": "'m', 's', 'id', 'o'",
    "clustered_variance_linregr": "'s', 'o', 'y', 'ARRAY[1, x]', 'c'",
    "clustered_variance_logregr": "'s', 'o', 'y', 'ARRAY[1, x]', 'c'",
    "clustered_variance_mlogregr": "'s', 'o', 'y', 'ARRAY[1, x]', 'c'",
    "margins": "'m', 'o'",
    "glm": "'s', 'm', 'y', 'ARRAY[1, x]', 'family=poisson'",
    "multinom": "'s', 'm', 'y', 'ARRAY[1, x]'",
    "multinom_predict": "'m', 's', 'o'",
    "pagerank": "'v', 'id', 'e', NULL, 'o'",
    "hits": "'v', 'id', 'e', NULL, 'o'",
    "weakly_connected_components": "'v', 'id', 'e', NULL, 'o'",
    "graph_sssp": "'v', 'id', 'e', NULL, 1, 'o'",
    "graph_bfs": "'v', 'id', 'e', NULL, 1, 'o'",
    "graph_apsp": "'v', 'id', 'e', NULL, 'o'",
    "graph_closeness": "'a', 'o'",
    "graph_diameter": "'a', 'o'",
    "graph_avg_path_length": "'a', 'o'",
    "graph_vertex_degrees": "'v', 'id', 'e', NULL, 'o'",
}


def test_real_calls_still_resolve_to_the_real_functions(postgresql):
    assert set(REAL_CALLS) == {n for n, forms in ADDED.items() if "message" in forms}
    for name, args in REAL_CALLS.items():
        real = _result_type(postgresql, f"indb_ml.{name}({args})")
        assert real in ("void", "record"), (name, real)
        assert _result_type(postgresql, f"indb_ml.{name}('usage')") == "text", name
        assert _result_type(postgresql, f"indb_ml.{name}(NULL)") == "text", name
    # The no-argument overload of a set-returning function leaves its array calls alone.
    rows = postgresql.execute(
        "SELECT (indb_ml.array_unnest_2d_to_1d(ARRAY[[1, 2], [3, 4]])).*").fetchall()
    assert rows == [(1, [1, 2]), (2, [3, 4])]
    assert _result_type(postgresql, "indb_ml.array_unnest_2d_to_1d()") == "text"
