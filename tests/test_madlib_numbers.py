"""MADlib's own documented numbers for linregr, logregr and glm, with an independent oracle.

Every expected number below is copied from Apache MADlib (the path is given beside it):
the documentation examples (src/ports/postgres/modules/regress/linear.sql_in,
logistic.sql_in, glm/glm.sql_in) and the install-check tests (regress/test/linear.sql_in,
glm/test/*.sql_in). MADlib's tests compare with ``relative_error(a, b) = |a - b| / |b|``
(2-norms for arrays) at 1e-4; the same measure is used here, and a numpy/statsmodels oracle
computed in the test checks the same numbers independently, usually much tighter.

Both training plans (``indb_ml.training_plan = aggregate | memory``) and forced parallel
query must give the same numbers; the fixtures below run every case under each.
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

# src/ports/postgres/modules/regress/linear.sql_in (the houses example)
HOUSES = [  # id, tax, bedroom, bath, price, size, lot
    (1, 590, 2, 1, 50000, 770, 22100), (2, 1050, 3, 2, 85000, 1410, 12000),
    (3, 20, 3, 1, 22500, 1060, 3500), (4, 870, 2, 2, 90000, 1300, 17500),
    (5, 1320, 3, 2, 133000, 1500, 30000), (6, 1350, 2, 1, 90500, 820, 25700),
    (7, 2790, 3, 2.5, 260000, 2130, 25000), (8, 680, 2, 1, 142500, 1170, 22000),
    (9, 1840, 3, 2, 160000, 1500, 19000), (10, 3680, 4, 2, 240000, 2790, 20000),
    (11, 1660, 3, 1, 87000, 1030, 17500), (12, 1620, 3, 2, 118600, 1250, 20000),
    (13, 3100, 3, 2, 140000, 1760, 38000), (14, 2070, 2, 3, 148000, 1550, 14000),
    (15, 650, 3, 1.5, 65000, 1450, 12000),
]
PLANS = ["aggregate", "memory", "parallel"]


def relative_error(got, want) -> float:
    """MADlib's ``relative_error``: |got - want| / |want|, 2-norms for arrays."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


def use_plan(conn, plan: str) -> None:
    """``aggregate`` / ``memory``: the training plan; ``parallel``: the aggregate plan under
    forced parallel query (every aggregate statement runs in parallel workers)."""
    conn.execute("SET indb_ml.training_plan = " + ("aggregate" if plan == "parallel" else plan))
    if plan == "parallel":
        conn.execute("SET force_parallel_mode = on" if conn.info.server_version < 160000
                     else "SET debug_parallel_query = on")
        for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                        "max_parallel_workers_per_gather = 2"):
            conn.execute("SET " + setting)


def fetch(conn, sql: str, params=None) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


@pytest.fixture
def houses(postgresql):
    postgresql.execute("CREATE TABLE houses (id int, tax int, bedroom int, bath float8, price int, size int, "
                       "lot int)")
    with postgresql.cursor().copy("COPY houses FROM STDIN") as copy:
        for row in HOUSES:
            copy.write_row(row)
    data = np.array(HOUSES, float)
    x = np.column_stack([np.ones(len(data)), data[:, 1], data[:, 3], data[:, 5]])
    return postgresql, x, data[:, 4], data[:, 2]


# --------------------------------------------------------------------------- linear regression

# linear.sql_in, "SELECT * FROM houses_linregr"
HOUSES_LINREGR = {
    "coef": [-12849.4168959872, 28.9613922651765, 10181.6290712648, 50.516894915354],
    "r2": 0.768577580597443,
    "std_err": [33453.0344331391, 15.8992104963997, 19437.7710925923, 32.928023174087],
    "t_stats": [-0.38410317968819, 1.82156166004184, 0.523806408809133, 1.53416118083605],
    "p_values": [0.708223134615422, 0.0958005827189772, 0.610804093526536, 0.153235085548186],
    "condition_no": 9002.50457085737,
}
# linear.sql_in, "SELECT * FROM houses_linregr_bedroom ORDER BY bedroom"
HOUSES_BY_BEDROOM = {
    3: {"coef": [-88155.8292501601, 27.1966436294429, 41404.0293363612, 62.637521075324],
        "r2": 0.841699901311252,
        "std_err": [57867.9999702625, 17.8272309154689, 43643.1321511114, 70.8506824863954],
        "t_stats": [-1.52339512849005, 1.52556747362508, 0.948695185143966, 0.884077878676067],
        "p_values": [0.188161432894871, 0.187636685729869, 0.386340032374927, 0.417132778705789],
        "condition_no": 11722.6225642147},
    2: {"coef": [-84242.0345406597, 55.4430144648696, -78966.9753675319, 225.611910021192],
        "r2": 0.968809546465313,
        "std_err": [35018.9991665742, 19.5731125320686, 23036.8071292552, 49.0448678148784],
        "t_stats": [-2.40560942761235, 2.83261103077151, -3.42786111480046, 4.60011251070697],
        "p_values": [0.250804617665239, 0.21605133377602, 0.180704400437373, 0.136272031474122],
        "condition_no": 10086.1048721726},
}
# The one-row group: minimum-norm solution, r2 1, std_err 0, t Infinity, no p-values.
BEDROOM_4_COEF = [0.0112536020318378, 41.4132554771633, 0.0225072040636757, 31.3975496688276]


def check_linregr(row: dict, want: dict, x: np.ndarray, y: np.ndarray, what: str) -> None:
    for key, value in want.items():
        assert relative_error(row[key], value) < 1e-9, (what, key, row[key], value)
    fit = sm.OLS(y, x).fit()  # the oracle
    np.testing.assert_allclose(row["coef"], fit.params, rtol=1e-9, err_msg=what)
    np.testing.assert_allclose(row["std_err"], fit.bse, rtol=1e-9, err_msg=what)
    np.testing.assert_allclose(row["p_values"], fit.pvalues, rtol=1e-9, err_msg=what)
    np.testing.assert_allclose(row["condition_no"], fit.condition_number, rtol=1e-9, err_msg=what)
    np.testing.assert_allclose(row["condition_no"] ** 2, np.linalg.cond(x.T @ x), rtol=1e-6, err_msg=what)


def check_one_row_group(row: dict, x: np.ndarray, y: np.ndarray) -> None:
    np.testing.assert_allclose(row["coef"], BEDROOM_4_COEF, rtol=1e-12)
    np.testing.assert_allclose(row["coef"], np.linalg.pinv(x) @ y, rtol=1e-12)  # the minimum-norm solution
    assert row["r2"] == 1.0 and row["std_err"] == [0.0] * 4 and row["t_stats"] == [np.inf] * 4
    assert row["p_values"] is None and row["condition_no"] == np.inf
    assert np.array_equal(row["variance_covariance"], np.zeros((4, 4)))
    assert row["num_rows_processed"] == 1


@pytest.mark.parametrize("plan", PLANS)
def test_linregr_houses_documented_example(houses, plan):
    conn, x, y, bedroom = houses
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.linregr_train('houses', 'houses_linregr', 'price', 'ARRAY[1, tax, bath, size]')")
    check_linregr(fetch(conn, "SELECT * FROM houses_linregr")[0], HOUSES_LINREGR, x, y, "ungrouped")
    conn.execute("SELECT indb_ml.linregr_train('houses', 'houses_linregr_bedroom', 'price', "
                 "'ARRAY[1, tax, bath, size]', 'bedroom')")
    rows = {r["bedroom"]: r for r in fetch(conn, "SELECT * FROM houses_linregr_bedroom")}
    assert sorted(rows) == [2, 3, 4]
    for b, want in HOUSES_BY_BEDROOM.items():
        check_linregr(rows[b], want, x[bedroom == b], y[bedroom == b], f"bedroom {b}")
    check_one_row_group(rows[4], x[bedroom == 4], y[bedroom == 4])


@pytest.mark.parametrize("plan", PLANS)
def test_linregr_aggregate_houses(houses, plan):
    """The aggregate form gives the same numbers, the one-row group included."""
    conn, x, y, bedroom = houses
    use_plan(conn, plan)
    rows = {r["bedroom"]: r for r in fetch(
        conn, "SELECT bedroom, (r).* FROM (SELECT bedroom, indb_ml.linregr(price, ARRAY[1, tax, bath, size]) AS r "
              "FROM houses GROUP BY bedroom) q")}
    for b, want in HOUSES_BY_BEDROOM.items():
        check_linregr(rows[b], want, x[bedroom == b], y[bedroom == b], f"bedroom {b}")
    check_one_row_group(rows[4], x[bedroom == 4], y[bedroom == 4])
    whole = fetch(conn, "SELECT (indb_ml.linregr(price, ARRAY[1, tax, bath, size])).* FROM houses")[0]
    check_linregr(whole, HOUSES_LINREGR, x, y, "aggregate")


def test_linregr_install_check_houses(houses):
    """regress/test/linear.sql_in: ARRAY[1, bedroom, bath, size] ("Values computed with MADlib")
    and the grouped heteroskedasticity run, each at MADlib's own tolerance."""
    conn, _, y, bedroom = houses
    data = np.array(HOUSES, float)
    row = fetch(conn, "SELECT (indb_ml.linregr(price, ARRAY[1, bedroom, bath, size])).* FROM houses")[0]
    assert relative_error(row["coef"], [27923.43, -35524.78, 2269.34, 130.79]) < 1e-4
    assert relative_error(row["r2"], 0.74537) < 1e-3
    assert relative_error(row["std_err"], [56306, 25037, 22208, 36.209]) < 1e-4
    assert relative_error(row["t_stats"], [0.49592, -1.4189, 0.10218, 3.6122]) < 1e-4
    assert relative_error(row["p_values"], [0.62971, 0.18363, 0.92045, 0.0040816]) < 1e-4
    assert relative_error(row["condition_no"], 9783.0184) < 1e-4
    x = np.column_stack([np.ones(15), data[:, 2], data[:, 3], data[:, 5]])
    assert row["condition_no"] == pytest.approx(np.linalg.cond(x), rel=1e-8)
    conn.execute("SELECT indb_ml.linregr_train('houses', 'result_lin_houses', 'price', 'array[1, tax, bath, size]', "
                 "'bedroom', True)")
    rows = {r["bedroom"]: r for r in fetch(conn, "SELECT * FROM result_lin_houses")}
    assert relative_error(rows[2]["condition_no"], 10086.1) < 1e-2
    assert relative_error([rows[2]["bp_stats"], rows[2]["bp_p_value"]], [2.5451, 0.467192]) < 1e-2
    assert relative_error(rows[3]["condition_no"], 11722.62) < 1e-2
    assert relative_error([rows[3]["bp_stats"], rows[3]["bp_p_value"]], [6.753838, 0.08017]) < 1e-2
