"""multinom with categories of any type, as MADlib's (glm/multinom.py_in): the category list is
the dependent's distinct values in the column's sort order, as text, the reference (varchar,
NULL for the first) swapped into the first place; ``category`` varchar, the summary's
``ref_category`` and ``category_list`` varchar; multinom_predict's ``category`` text and its
probability columns in the summary's order.

Oracles: statsmodels' MNLogit on the categories coded 0 (the reference) .. K-1, and MADlib's
documented example (glm/multiresponseglm.sql_in).
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from scipy import special

N = 900
LEVELS = np.array(["high", "low", "mid"])  # text order, which is MADlib's category order


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, 2))
    eta = x @ np.array([1.2, -0.8])
    code = np.digitize(eta + rng.logistic(size=N), [-0.6, 0.8])
    postgresql.execute("CREATE TABLE t (id int, grade text, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY t FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i + 1, str(LEVELS[code[i]]), *x[i]])
        for i in range(4):  # rows without a category are skipped
            copy.write_row([N + i + 1, None, 0.1 * i, 0.2])
    return postgresql, np.column_stack([np.ones(N), x]), code


def _coded(code, order):
    """The categories re-coded so that order[j] is j (MNLogit's reference is code 0)."""
    return np.array([list(order).index(LEVELS[c]) for c in code])


@pytest.mark.parametrize("ref, order", [(None, ["high", "low", "mid"]), ("mid", ["mid", "low", "high"])])
def test_text_categories_match_statsmodels(data, ref, order):
    conn, x, code = data
    conn.execute("SELECT indb_ml.multinom('t', 'm', 'grade', 'ARRAY[1, x1, x2]', %s, 'logit', NULL, "
                 "'max_iter=50, tolerance=1e-12')", [ref])
    fit = sm.MNLogit(_coded(code, order), x).fit(disp=0, tol=1e-12, maxiter=100)
    rows = dict((r[0], r[1:]) for r in conn.execute(
        "SELECT category, coef, std_err, num_rows_processed, num_rows_skipped FROM m").fetchall())
    assert sorted(rows) == sorted(order[1:])
    for j, category in enumerate(order[1:]):
        np.testing.assert_allclose(rows[category][0], fit.params[:, j], rtol=1e-7)
        np.testing.assert_allclose(rows[category][1], fit.bse[:, j], rtol=1e-6)
        assert rows[category][2:] == (N, 4)  # the NULL categories skipped
    summary = conn.execute("SELECT ref_category, category_list, pg_typeof(ref_category)::text, "
                           "pg_typeof(category_list)::text, total_rows_skipped FROM m_summary").fetchone()
    assert summary == (order[0], ",".join(order), "character varying", "character varying", 4)
    assert conn.execute("SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'm'::regclass "
                        "AND attname = 'category'").fetchone()[0] == "character varying"

    conn.execute("SELECT indb_ml.multinom_predict('m', 't', 'pp', 'probability')")
    conn.execute("SELECT indb_ml.multinom_predict('m', 't', 'pr', 'response')")
    cols = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'pp'::regclass "
                                       "AND attnum > 0 ORDER BY attnum").fetchall()]
    assert cols == ["id", *order]  # the summary's order, the reference first, as MADlib's
    got = np.array(conn.execute("SELECT " + ", ".join(f'"{c}"' for c in order) + " FROM pp WHERE id <= %s "
                                "ORDER BY id", [N]).fetchall())
    want = fit.predict(x)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-14)
    labels = conn.execute("SELECT category, pg_typeof(category)::text FROM pr WHERE id <= %s ORDER BY id",
                          [N]).fetchall()
    assert {r[1] for r in labels} == {"text"}
    assert [r[0] for r in labels] == [order[i] for i in np.argmax(want, axis=1)]


# MADlib's documented example (src/ports/postgres/modules/glm/multiresponseglm.sql_in, "Examples").
TEST3 = [(1, 35, 1), (2, 33, 0), (3, 39, 1), (1, 37, 1), (2, 31, 1), (3, 36, 0), (2, 36, 1), (2, 31, 1), (2, 41, 1),
         (2, 37, 1), (1, 44, 1), (3, 33, 2), (1, 31, 1), (2, 44, 1), (1, 35, 1), (1, 44, 0), (1, 46, 0), (2, 46, 1),
         (2, 46, 2), (3, 49, 1), (2, 39, 0), (2, 44, 1), (1, 47, 1), (1, 44, 1), (1, 37, 2), (3, 38, 2), (1, 49, 0),
         (2, 44, 0), (3, 61, 2), (1, 65, 2), (3, 67, 1), (3, 65, 2), (1, 65, 2), (2, 67, 2), (1, 65, 2), (1, 62, 2),
         (3, 52, 2), (3, 63, 2), (2, 59, 2), (3, 65, 2), (2, 59, 0), (3, 67, 2), (3, 67, 2), (3, 60, 2), (3, 67, 2),
         (3, 62, 2), (2, 54, 2), (3, 65, 2), (3, 62, 2), (2, 59, 2), (3, 60, 2), (3, 63, 2), (3, 65, 2), (2, 63, 1),
         (2, 67, 2), (2, 65, 2), (2, 62, 2)]
MADLIB = {
    "1": ([1.45474045165731, 0.084995618282504, -0.0172383499512136],
          [2.13085878785549, 0.585023211942952, 0.0431489262260687],
          [0.682701481650677, 0.145285890452484, -0.399508202380224],
          [0.494795493298706, 0.884485154314181, 0.689518781152604]),
    "2": ([-7.1290816775109, 0.876487877074751, 0.127886153038661],
          [2.52105418324135, 0.639578886139654, 0.0445760103748678],
          [-2.82781771407425, 1.37041402721253, 2.86894569440347],
          [0.00468664844488755, 0.170557695812408, 0.00411842502754068]),
}
MADLIB_LOGLIK = -39.1475993094045


@pytest.fixture
def test3(postgresql):
    postgresql.execute("CREATE TABLE test3 (feat1 integer, feat2 integer, cat integer)")
    with postgresql.cursor().copy("COPY test3 FROM STDIN") as copy:
        for row in TEST3:
            copy.write_row(row)
    return postgresql


@pytest.mark.parametrize("ref", ["'0'", "0", "NULL"])
def test_madlib_documented_example(test3, ref):
    conn = test3
    conn.execute(f"SELECT indb_ml.multinom('test3', 'test3_output', 'cat', 'ARRAY[1, feat1, feat2]', {ref}, "
                 "'logit')")
    rows = conn.execute("SELECT category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, "
                        "num_rows_skipped, pg_typeof(category)::text FROM test3_output ORDER BY category").fetchall()
    assert [r[0] for r in rows] == ["1", "2"] and {r[8] for r in rows} == {"character varying"}
    for r in rows:
        for got, want in zip(r[1:6], (MADLIB[r[0]][0], MADLIB_LOGLIK, *MADLIB[r[0]][1:])):
            np.testing.assert_allclose(got, want, rtol=1e-6)
        assert r[6:8] == (57, 0)
    assert conn.execute("SELECT ref_category, category_list FROM test3_output_summary").fetchone() == ("0", "0,1,2")
    conn.execute("ALTER TABLE test3 ADD COLUMN id serial")
    conn.execute("SELECT indb_ml.multinom_predict('test3_output', 'test3', 'test3_prd_prob', 'probability')")
    types = conn.execute("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = "
                         "'test3_prd_prob'::regclass AND attnum > 0 ORDER BY attnum").fetchall()
    assert types == [("id", "integer"), ("0", "double precision"), ("1", "double precision"),
                     ("2", "double precision")]
    x = np.array([[1, a, b] for a, b, _ in TEST3], float)
    eta = np.column_stack([np.zeros(57), x @ np.array(MADLIB["1"][0]), x @ np.array(MADLIB["2"][0])])
    want = np.exp(eta - special.logsumexp(eta, axis=1, keepdims=True))
    got = np.array(conn.execute('SELECT "0", "1", "2" FROM test3_prd_prob ORDER BY id').fetchall())
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_madlib_test3_quote_case_dependent(postgresql):
    """glm/test/multinom.sql_in's call with a CASE over a varchar column as the dependent."""
    conn = postgresql
    conn.execute("CREATE TABLE test3_quote (feat1 integer, feat2 integer, cat varchar)")
    conn.execute("INSERT INTO test3_quote VALUES (1,35,'1'), (2,33,'0'), (3,39,'1'), (1,37,'1'), (2,31,'1'), "
                 "(3,36,'0'), (2,36,'2'), (2,31,'2')")
    conn.execute("SELECT indb_ml.multinom('test3_quote','test3_quote_out', "
                 "'case when cat = ''1'' then ''a'' else ''c'' end', 'ARRAY[1,feat1, feat2]')")
    row = conn.execute("SELECT category, coef FROM test3_quote_out").fetchall()
    assert len(row) == 1 and row[0][0] == "c"
    data = np.array([(1, 35, 1), (2, 33, 0), (3, 39, 1), (1, 37, 1), (2, 31, 1), (3, 36, 0), (2, 36, 2), (2, 31, 2)])
    x = np.column_stack([np.ones(8), data[:, :2]])
    fit = sm.MNLogit((data[:, 2] != 1).astype(int), x).fit(disp=0, tol=1e-12, maxiter=100)
    np.testing.assert_allclose(row[0][1], fit.params[:, 0], rtol=1e-5)
    assert conn.execute("SELECT ref_category, category_list FROM test3_quote_out_summary").fetchone() == ("a", "a,c")


def test_hostile_and_long_categories(postgresql):
    conn = postgresql
    evil = "x'); DROP TABLE h; --\"a,b"
    long_a, long_b = "L" * 70 + "a", "L" * 70 + "b"
    rng = np.random.default_rng(3)
    conn.execute("CREATE TABLE h (id int, c text, x float8)")
    values = [evil, "plain", long_a]
    rows = [(i, values[i % 3], float(rng.normal() + (i % 3))) for i in range(300)]
    with conn.cursor().copy("COPY h FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    conn.execute("SELECT indb_ml.multinom('h', 'hm', 'c', 'ARRAY[1, x]', %s)", [evil])
    got = {r[0] for r in conn.execute("SELECT category FROM hm").fetchall()}
    assert got == {"plain", long_a}
    assert conn.execute("SELECT ref_category FROM hm_summary").fetchone()[0] == evil
    conn.execute("SELECT indb_ml.multinom_predict('hm', 'h', 'hp', 'response')")
    labels = {r[0] for r in conn.execute("SELECT category FROM hp").fetchall()}
    assert labels <= set(values) and len(labels) >= 2
    # the comma in the reference splits MADlib's category_list wrongly: the model's categories are used
    conn.execute("SELECT indb_ml.multinom_predict('hm', 'h', 'hq', 'probability')")
    cols = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'hq'::regclass "
                                       "AND attnum > 0 ORDER BY attnum").fetchall()]
    assert cols == ["id", evil, long_a[:63], "plain"]
    sums = conn.execute('SELECT min(a + b + c), max(a + b + c) FROM (SELECT hq."' + evil.replace('"', '""')
                        + '" a, "' + long_a[:63] + '" b, plain c FROM hq) s').fetchone()
    np.testing.assert_allclose(sums, [1.0, 1.0], rtol=1e-12)
    assert conn.execute("SELECT to_regclass('h') IS NOT NULL").fetchone()[0]
    conn.execute("UPDATE h SET c = %s WHERE c = 'plain'", [long_b])
    conn.execute("SELECT indb_ml.multinom('h', 'hm2', 'c', 'ARRAY[1, x]')")
    with pytest.raises(E.DuplicateColumn, match="same first 63 bytes"), conn.transaction():
        conn.execute("SELECT indb_ml.multinom_predict('hm2', 'h', 'hq2', 'probability')")


def test_ref_category_not_a_category(data):
    conn, _, _ = data
    with pytest.raises(E.InvalidParameterValue, match="ref_category 'medium' is not one of the categories "
                                                       r"\('high', 'low', 'mid'\)"), conn.transaction():
        conn.execute("SELECT indb_ml.multinom('t', 'm', 'grade', 'ARRAY[1, x1, x2]', 'medium')")
    assert conn.execute("SELECT to_regclass('m') IS NULL AND to_regclass('m_summary') IS NULL").fetchone()[0]
    with pytest.raises(E.InvalidParameterValue, match="ref_category '3' is not one of"), conn.transaction():
        conn.execute("SELECT indb_ml.multinom('t', 'm', 'mod(id, 3)', 'ARRAY[1, x1, x2]', 3)")
    with pytest.raises(E.DataException, match="one category"), conn.transaction():
        conn.execute("SELECT indb_ml.multinom('t', 'm', 'case when x1 > -100 then ''k'' end', 'ARRAY[1, x1]')")


def test_multinom_fit_rows_are_varchar(data):
    conn, x, code = data
    rows = conn.execute("SELECT category, coef, pg_typeof(category)::text FROM indb_ml.multinom_fit('t', 'grade', "
                        "'ARRAY[1, x1, x2]', 'low', 'logit', NULL, 'max_iter=50, tolerance=1e-12') "
                        "ORDER BY category").fetchall()
    order = ["low", "high", "mid"]
    fit = sm.MNLogit(_coded(code, order), x).fit(disp=0, tol=1e-12, maxiter=100)
    assert [r[0] for r in rows] == ["high", "mid"] and {r[2] for r in rows} == {"character varying"}
    for j, r in enumerate(rows):
        np.testing.assert_allclose(r[1], fit.params[:, j], rtol=1e-7)
    assert conn.execute("SELECT to_regclass('pg_temp.\"indb_ml fit output\"') IS NULL").fetchone()[0]


def test_catalog_predict_and_coefficients_of_a_text_model(data):
    conn, x, code = data
    name = conn.execute("SELECT model_name FROM indb_ml.multinom('t', 'm', 'grade', 'ARRAY[1, x1, x2]', 'mid')"
                        ).fetchone()[0]
    conn.execute("SELECT indb_ml.multinom_predict('m', 't', 'pp', 'probability')")
    conn.execute("SELECT indb_ml.multinom_predict('m', 't', 'pr', 'response')")
    got = conn.execute("SELECT p.id::int, p.prediction, p.probability, p.category, r.category, "
                       "greatest(q.mid, q.low, q.high) FROM indb_ml.predict(%s, 't', 'id') p "
                       "JOIN pr r ON r.id = p.id::int JOIN pp q ON q.id = r.id ORDER BY 1", [name]).fetchall()
    assert len(got) == N + 4
    for _, prediction, probability, category, response, best in got:
        assert category == response
        np.testing.assert_allclose(probability, best, rtol=1e-12)
        # the rank: 1 the reference 'mid', then 'high', 'low' (sorted)
        assert prediction == {"mid": 1, "high": 2, "low": 3}[category]
    coefs = conn.execute("SELECT category, array_agg(term ORDER BY term_index) FROM indb_ml.model_coefficients(%s) "
                         "GROUP BY category ORDER BY min(term_index), category", [name]).fetchall()
    # every category but the reference 'mid', named as the model table names it, in sorted order
    terms = ["intercept", "x1", "x2"]
    assert coefs == [("high", terms), ("low", terms)]


def test_client_multinom_text_reference(dsn, data):
    import indb_ml

    conn, x, code = data
    conn.commit()  # the client's own connection sees the table
    with indb_ml.connect(dsn) as db:
        mn = db.multinom("t", "grade", [1, "x1", "x2"], ref_category="low", max_iter=50, tolerance=1e-12)
        first = db.multinom("t", "grade", [1, "x1", "x2"], max_iter=50, tolerance=1e-12)
    order = ["low", "high", "mid"]
    fit = sm.MNLogit(_coded(code, order), x).fit(disp=0, tol=1e-12, maxiter=100)
    table = {r["category"]: r["coef"] for r in mn.table.to_dict("records")}
    assert sorted(table) == ["high", "mid"]
    for j, category in enumerate(order[1:]):
        np.testing.assert_allclose(table[category], fit.params[:, j], rtol=1e-7)
    assert sorted(first.table["category"]) == ["low", "mid"]  # the reference: 'high', first in sort order


def test_grouped_text_categories_on_both_plans(data):
    """A view runs the aggregate passes (C steps, the categories mapped in SQL), the table the
    packed rows: the same model, each group statsmodels' on its rows."""
    conn, x, code = data
    conn.execute("ALTER TABLE t ADD COLUMN half text")
    conn.execute("UPDATE t SET half = CASE WHEN x2 > 0 THEN 'up' ELSE 'down' END")
    conn.execute("CREATE VIEW tv AS SELECT * FROM t")
    for src, out in (("t", "gm"), ("tv", "gv")):
        conn.execute(f"SELECT indb_ml.multinom('{src}', '{out}', 'grade', 'ARRAY[1, x1, x2]', 'low', 'logit', "
                     "'half', 'max_iter=50, tolerance=1e-12')")
    half = np.where(x[:, 2] > 0, "up", "down")
    order = ["low", "high", "mid"]
    for h in ("down", "up"):
        mask = half == h
        fit = sm.MNLogit(_coded(code[mask], order), x[mask]).fit(disp=0, tol=1e-12, maxiter=100)
        for out in ("gm", "gv"):
            rows = dict(conn.execute(f"SELECT category, coef FROM {out} WHERE half = %s", [h]).fetchall())
            assert sorted(rows) == ["high", "mid"]
            for j, category in enumerate(order[1:]):
                np.testing.assert_allclose(rows[category], fit.params[:, j], rtol=1e-7)
    assert conn.execute("SELECT category_list, num_all_groups FROM gv_summary").fetchone() == ("low,high,mid", 2)
