"""``indb-ml demo``: the Longley fit printed, checked against statsmodels, and left in the database."""

from __future__ import annotations

import re
from importlib import resources

import numpy as np
import pandas as pd

from indb_ml.cli.demo import run_demo
from indb_ml.cli.main import main
from tests.helpers import ols

FEATURES = ["1", "gnpdefl", "gnp", "unemp", "armed", "pop", "year"]


def longley_ols():
    frame = pd.read_csv(resources.files("indb_ml").joinpath("data", "longley.csv"))
    X = np.column_stack([np.ones(len(frame)), frame[FEATURES[1:]].to_numpy(float)])
    return ols(frame["totemp"].to_numpy(float), X)


def printed_table(out: str) -> dict[str, list[float]]:
    """The rows ``feature coef std_err t p`` of the printed coefficient table."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] in FEATURES:
            rows[parts[0]] = [float(v) for v in parts[1:]]
    return rows


def test_demo_prints_longley_fit_matching_statsmodels(dsn, postgresql, capsys):
    run_demo(dsn)
    out = capsys.readouterr().out
    ref = longley_ols()
    rows = printed_table(out)
    assert list(rows) == FEATURES, out
    got = np.array([rows[f] for f in FEATURES])
    # Printed with 6 (coef), 4 (std err) and 3 (t, p: decimals) significant digits.
    np.testing.assert_allclose(got[:, 0], ref.params, rtol=1e-5)
    np.testing.assert_allclose(got[:, 1], ref.bse, rtol=1e-3)
    np.testing.assert_allclose(got[:, 2], ref.tvalues, atol=5e-4)
    np.testing.assert_allclose(got[:, 3], ref.pvalues, atol=5e-4)
    r2 = float(re.search(r"R-squared: ([0-9.]+)", out).group(1))
    assert abs(r2 - ref.rsquared) < 1e-6
    assert "rows: 16" in out and "psql" in out and "linregr_predict" in out

    postgresql.rollback()
    coef, r2_db = postgresql.execute("SELECT coef, r2 FROM longley_linregr").fetchone()
    np.testing.assert_allclose(coef, ref.params, rtol=1e-6)
    assert abs(r2_db - ref.rsquared) < 1e-9
    assert postgresql.execute("SELECT count(*) FROM longley").fetchone()[0] == 16
    assert postgresql.execute("SELECT count(*) FROM longley_linregr_summary").fetchone()[0] == 1


def test_demo_runs_again_replacing_its_tables(dsn, postgresql, capsys):
    assert main(["demo", "--dsn", dsn]) == 0
    assert main(["demo", "--dsn", dsn]) == 0
    assert "R-squared" in capsys.readouterr().out
    postgresql.rollback()
    assert postgresql.execute("SELECT count(*) FROM longley").fetchone()[0] == 16


def test_demo_without_extension_says_how_to_install(dsn, postgresql, capsys):
    postgresql.execute("DROP EXTENSION indb_ml")
    postgresql.commit()
    assert main(["demo", "--dsn", dsn]) == 1
    err = capsys.readouterr().err
    assert "indb-ml install" in err and err.count("\n") == 1
