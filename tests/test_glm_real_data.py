"""The GLMs on small real datasets shipped with statsmodels (the examples of its own docs):
Spector and Mazzeo's grades (logit), the 1996 American National Election Study (multinomial
logit), Scottish parliament votes (gamma) and US capital punishment (poisson).

Tolerances: coefficients 1e-6, standard errors 1e-5 relative (both sides iterate to 1e-12;
these designs are less well conditioned than the generated ones, e.g. scotland's cond ~1e8).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm


def load(conn, name: str, table: str):
    df = getattr(sm.datasets, name).load_pandas().data
    cols = list(df.columns)
    conn.execute(f"CREATE TABLE {table} (" + ", ".join(f'"{c.lower()}" float8' for c in cols) + ")")
    with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
        for row in df.itertuples(index=False):
            copy.write_row([float(v) for v in row])
    return df


def test_spector_logit(postgresql):
    df = load(postgresql, "spector", "spector")
    postgresql.execute("SELECT indb_ml.logregr_train('spector', 'm', 'grade', 'ARRAY[1, gpa, tuce, psi]', NULL, "
                       "100, 'irls', 1e-12)")
    coef, se, ll = postgresql.execute("SELECT coef, std_err, log_likelihood FROM m").fetchone()
    ref = sm.Logit(df.GRADE, sm.add_constant(df[["GPA", "TUCE", "PSI"]])).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(coef, ref.params, rtol=1e-6)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-5)
    assert ll == pytest.approx(ref.llf, rel=1e-10)


def test_anes96_multinomial_logit(postgresql):
    df = load(postgresql, "anes96", "anes")
    postgresql.execute("ALTER TABLE anes ALTER COLUMN pid TYPE int")
    postgresql.execute("SELECT indb_ml.mlogregr_train('anes', 'm', 'pid', 'ARRAY[1, logpopul, selflr, age, educ, "
                       "income]', 0, 'max_iter=100, tolerance=1e-12')")
    rows = postgresql.execute("SELECT coef, std_err FROM m ORDER BY category").fetchall()
    x = sm.add_constant(df[["logpopul", "selfLR", "age", "educ", "income"]])
    ref = sm.MNLogit(df.PID, x).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    assert len(rows) == 6
    for j, (coef, se) in enumerate(rows):
        np.testing.assert_allclose(coef, ref.params.iloc[:, j], rtol=1e-6)
        np.testing.assert_allclose(se, ref.bse.iloc[:, j], rtol=1e-5)


def test_scotland_gamma(postgresql):
    df = load(postgresql, "scotland", "scot")
    indep = "ARRAY[1, coutax, unempf, mor, act, gdp, age, coutax_femaleunemp]"
    postgresql.execute("SELECT indb_ml.glm('scot', 'm', 'yes', %s, 'family=gamma', NULL, "
                       "'max_iter=100, tolerance=1e-12')", [indep])
    coef, se, dispersion = postgresql.execute("SELECT coef, std_err, dispersion FROM m").fetchone()
    ref = sm.GLM(df.YES, sm.add_constant(df.drop(columns="YES")), family=sm.families.Gamma()).fit(tol=1e-12)
    np.testing.assert_allclose(coef, ref.params, rtol=1e-6)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-5)
    assert dispersion == pytest.approx(ref.scale, rel=1e-6)


def test_cpunish_poisson(postgresql):
    df = load(postgresql, "cpunish", "cp")
    postgresql.execute("SELECT indb_ml.glm('cp', 'm', 'executions', 'ARRAY[1, ln(income), perpoverty, perblack, "
                       "ln(vc100k96), south, degree]', 'family=poisson, link=log', NULL, "
                       "'max_iter=100, tolerance=1e-12')")
    coef, se = postgresql.execute("SELECT coef, std_err FROM m").fetchone()
    x = df.drop(columns="EXECUTIONS").copy()
    x["INCOME"] = np.log(x["INCOME"])
    x["VC100k96"] = np.log(x["VC100k96"])
    ref = sm.GLM(df.EXECUTIONS, sm.add_constant(x), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(coef, ref.params, rtol=1e-6)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-5)
