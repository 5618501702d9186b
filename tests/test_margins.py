"""margins with MADlib's x_design (interactions, indicators) and for mlogregr models.

Oracles are computed here independently of the kernel: marginal effects by perturbing the
raw data and rebuilding the design matrix (so the interaction's chain rule is not
reused), standard errors by the delta method with a Jacobian from those perturbations,
and statsmodels' get_margeff where it applies (no interactions: MNLogit overall effects,
Logit with dummy=True for an indicator). Tolerances: effects 1e-6 relative, standard
errors 1e-5 (both sides use finite differences of about 1e-6).
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from scipy import special

N = 2000


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(11)
    age = rng.normal(40, 10, size=N) / 10
    female = (rng.random(N) < 0.5).astype(float)
    w = rng.normal(size=N)
    eta = -0.5 + 0.3 * age - 0.4 * female + 0.2 * female * age + 0.3 * w
    yb = rng.random(N) < special.expit(eta)
    cat = np.digitize(eta + rng.logistic(size=N), [0.5, 1.5])
    postgresql.execute("CREATE TABLE d (yb boolean, y float8, cat int, age float8, female float8, w float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([bool(yb[i]), float(eta[i] + rng.normal()), int(cat[i]), age[i], female[i], w[i]])
    return postgresql, age, female, w, yb.astype(float), cat


def design(age, female, w):
    return np.column_stack([np.ones_like(age), age, female, female * age, age ** 2, w])


X_DESIGN = "1, age, i.female, female*age, age^2, w"
INDEP = "ARRAY[1, age, female, female*age, age^2, w]"


def oracle(f, beta, vcov, age, female, w):
    """Average effects of age (derivative), female (discrete change) and w, by perturbing data."""
    def effects(b):
        h = 1e-5
        d_age = (f(design(age + h, female, w) @ b) - f(design(age - h, female, w) @ b)) / (2 * h)
        d_fem = f(design(age, np.ones_like(female), w) @ b) - f(design(age, np.zeros_like(female), w) @ b)
        d_w = (f(design(age, female, w + h) @ b) - f(design(age, female, w - h) @ b)) / (2 * h)
        return np.array([d_age.mean(), d_fem.mean(), d_w.mean()])
    e = effects(beta)
    jac = np.empty((3, beta.size))
    for i in range(beta.size):
        step = 1e-6 * max(1, abs(beta[i]))
        up, dn = beta.copy(), beta.copy()
        up[i] += step
        dn[i] -= step
        jac[:, i] = (effects(up) - effects(dn)) / (2 * step)
    return e, np.sqrt(np.diag(jac @ vcov @ jac.T))


@pytest.mark.parametrize("method", ["logregr", "linregr"])
def test_margins_with_interactions_and_an_indicator(data, method):
    conn, age, female, w, yb, _ = data
    if method == "logregr":
        conn.execute(f"SELECT indb_ml.logregr_train('d', 'm', 'yb', '{INDEP}', NULL, 50, 'irls', 1e-12)")
        f = special.expit
    else:
        conn.execute(f"SELECT indb_ml.linregr_train('d', 'm', 'y', '{INDEP}')")
        f = lambda eta: eta  # noqa: E731
    beta, vcov = conn.execute("SELECT coef, variance_covariance FROM m").fetchone()
    conn.execute("SELECT indb_ml.margins('m', 'mg', %s)", [X_DESIGN])
    variables, effects, se, z, p = conn.execute("SELECT variables, margins, std_err, z_stats, p_values "
                                                "FROM mg").fetchone()
    assert variables == [2, 3, 6]  # age, female, w: the intercept is constant, the rest are interactions
    want, want_se = oracle(f, np.array(beta), np.array(vcov), age, female, w)
    np.testing.assert_allclose(effects, want, rtol=1e-6)
    np.testing.assert_allclose(se, want_se, rtol=1e-5)
    np.testing.assert_allclose(z, np.array(effects) / np.array(se), rtol=1e-12)
    conn.execute("SELECT indb_ml.margins('m', 'mg2', %s, NULL, ARRAY[3])", [X_DESIGN])
    assert conn.execute("SELECT variables, margins[1] FROM mg2").fetchone() == (
        [3], pytest.approx(want[1], rel=1e-6))


def test_indicator_matches_statsmodels_dummy_effect(data):
    """Without interactions, an i.-term is statsmodels' discrete change (dummy=True)."""
    conn, age, female, w, yb, _ = data
    x = np.column_stack([np.ones(N), age, female, w])
    conn.execute("SELECT indb_ml.logregr_train('d', 'm', 'yb', 'ARRAY[1, age, female, w]', NULL, 50, 'irls', "
                 "1e-12)")
    conn.execute("SELECT indb_ml.margins('m', 'mg', '1, age, i.female, w')")
    effects, se = conn.execute("SELECT margins, std_err FROM mg").fetchone()
    ref = sm.Logit(yb, x).fit(disp=0, tol=1e-12).get_margeff(at="overall", dummy=True)
    np.testing.assert_allclose(effects, ref.margeff, rtol=1e-6)
    np.testing.assert_allclose(se, ref.margeff_se, rtol=1e-5)


def test_mlogregr_margins_match_statsmodels(data):
    conn, age, female, w, _, cat = data
    x = np.column_stack([np.ones(N), age, female, w])
    conn.execute("SELECT indb_ml.mlogregr_train('d', 'm', 'cat', 'ARRAY[1, age, female, w]', 0, "
                 "'max_iter=50, tolerance=1e-12')")
    conn.execute("SELECT indb_ml.margins('m', 'mg')")
    rows = conn.execute("SELECT category, ref_category, variables, margins, std_err, p_values FROM mg "
                        "ORDER BY category").fetchall()
    ref = sm.MNLogit(cat, x).fit(disp=0, method="newton", tol=1e-12, maxiter=100).get_margeff(at="overall")
    # statsmodels: one column per category (the reference, 0, first); ours: the non-reference ones
    assert [r[0] for r in rows] == [1, 2] and all(r[1] == 0 and r[2] == [2, 3, 4] for r in rows)
    for j, r in enumerate(rows, start=1):
        np.testing.assert_allclose(r[3], ref.margeff[:, j], rtol=1e-6)
        np.testing.assert_allclose(r[4], ref.margeff_se[:, j], rtol=1e-5)
        np.testing.assert_allclose(r[5], ref.pvalues[:, j], rtol=1e-4, atol=1e-300)


@pytest.mark.parametrize("x_design, message", [
    ("1, age, female", "3 terms but the model has 6"),
    ("1, age, i.female, female*height, age^2, w", "'height', which is not a basis term"),
    ("1, age, x.female, female*age, age^2, w", "is not a term"),
    ("1, age, i.female, female*age, age^-2, w", "power"),
    ("1, age, age, female*age, age^2, w", "twice"),
    ("1, age, i.female, female*age, age^2, w; DROP TABLE d", "not an identifier"),
])
def test_bad_x_design(data, x_design, message):
    conn = data[0]
    conn.execute(f"SELECT indb_ml.logregr_train('d', 'm', 'yb', '{INDEP}')")
    with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.margins('m', 'mg', %s)", [x_design])
    assert conn.execute("SELECT to_regclass('mg'), count(*) FROM d").fetchone() == (None, N)


def test_reference_terms_are_left_out_with_a_warning(data):
    conn = data[0]
    conn.execute("CREATE TABLE c AS SELECT yb, age, female, 1 - female AS male FROM d")
    conn.execute("SELECT indb_ml.logregr_train('c', 'm', 'yb', 'ARRAY[age, female, male]')")
    warnings = []
    conn.add_notice_handler(lambda d: warnings.append(d.message_primary))
    conn.execute("SELECT indb_ml.margins('m', 'mg', 'age, i.female.sex, ir.male.sex')")
    assert conn.execute("SELECT variables FROM mg").fetchone()[0] == [1, 2]
    assert any("reference terms male" in m for m in warnings)


def test_grouped_models_get_one_margins_row_per_group(data):
    """MADlib's margins keeps the model's grouping: each group's effects over its own rows."""
    conn, age, female, w, yb, _ = data
    conn.execute("ALTER TABLE d ADD COLUMN grp text")
    conn.execute("UPDATE d SET grp = CASE WHEN w > 0 THEN 'pos' ELSE 'neg' END")
    conn.execute("SELECT indb_ml.logregr_train('d', 'm', 'yb', 'ARRAY[1, age, w]', 'grp', 50, 'irls', 1e-12)")
    conn.execute("SELECT indb_ml.margins('m', 'mg')")
    rows = dict((r[0], r[1:]) for r in conn.execute("SELECT grp, variables, margins, std_err FROM mg").fetchall())
    assert set(rows) == {"pos", "neg"}
    for name, mask in (("pos", w > 0), ("neg", w <= 0)):
        x = np.column_stack([np.ones(mask.sum()), age[mask], w[mask]])
        ref = sm.Logit(yb[mask], x).fit(disp=0, tol=1e-12).get_margeff(at="overall")
        assert rows[name][0] == [2, 3]
        np.testing.assert_allclose(rows[name][1], ref.margeff, rtol=1e-6)
        np.testing.assert_allclose(rows[name][2], ref.margeff_se, rtol=1e-5)
    conn.execute("SELECT indb_ml.linregr_train('d', 'lm', 'y', 'ARRAY[1, age, w]', 'grp')")
    conn.execute("SELECT indb_ml.margins('lm', 'lmg')")
    got = conn.execute("SELECT g.margins, l.coef[2:3] FROM lmg g JOIN lm l USING (grp)").fetchall()
    assert len(got) == 2 and all(np.allclose(a, b, rtol=1e-12) for a, b in got)


def test_madlib_statistics_lists_the_intercept_as_madlib(data):
    """MADlib's margins reports every basis variable of x_design, the intercept's column
    included (regress/margins.py_in: marginal_var_list = get_sorted_basis_identifiers();
    its documented example 1 lists 'intercept'); by default a constant column has no margin
    and is left out, as statsmodels' get_margeff. With indb_ml.madlib_statistics on the
    intercept's entry is the coefficient's average effect mean(p (1 - p)) * b_1 of the
    logit (numpy oracle below) and the other entries do not change."""
    conn, age, female, w, yb, _ = data
    conn.execute("SELECT indb_ml.logregr_train('d', 'm', 'yb', 'ARRAY[1, age, w]')")
    conn.execute("SELECT indb_ml.margins('m', 'plain')")
    conn.execute("SET indb_ml.madlib_statistics = on")
    conn.execute("SELECT indb_ml.margins('m', 'madlib')")
    conn.execute("SELECT indb_ml.margins('m', 'madlib_1', NULL, NULL, ARRAY[1])")
    conn.execute("RESET indb_ml.madlib_statistics")
    coef = np.array(conn.execute("SELECT coef FROM m").fetchone()[0])
    plain = conn.execute("SELECT variables, margins, std_err FROM plain").fetchone()
    madlib = conn.execute("SELECT variables, margins, std_err FROM madlib").fetchone()
    assert plain[0] == [2, 3] and madlib[0] == [1, 2, 3]
    np.testing.assert_allclose(madlib[1][1:], plain[1], rtol=1e-12)
    np.testing.assert_allclose(madlib[2][1:], plain[2], rtol=1e-12)
    p = special.expit(np.column_stack([np.ones(N), age, w]) @ coef)
    np.testing.assert_allclose(madlib[1], np.mean(p * (1 - p)) * coef, rtol=1e-9)
    assert conn.execute("SELECT variables FROM madlib_1").fetchone()[0] == [1]
    with pytest.raises(E.InvalidParameterValue, match="constant columns"), conn.transaction():
        conn.execute("SELECT indb_ml.margins('m', 'plain_1', NULL, NULL, ARRAY[1])")
