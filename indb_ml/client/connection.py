"""The client session: call indb_ml's SQL functions over psycopg 3, get typed results.

>>> db = indb_ml.connect("postgresql://localhost/mydb")     # doctest: +SKIP
>>> fit = db.linregr_train("houses", "price", [1, "tax", "bath", "size"])  # doctest: +SKIP
>>> fit.coef, fit.r2                                         # doctest: +SKIP

Every call is one transaction: committed when it succeeds, rolled back when it
fails (inside a caller's open transaction it is a savepoint instead, and the
caller commits). Identifiers are quoted with ``psycopg.sql.Identifier`` and values
are bound parameters; the server parses and validates the expressions again.

Every method that runs a server call draws a tqdm bar when the call outlasts a second
(:mod:`indb_ml.client.progress`); ``progress=False`` on the call, or ``db.progress_bar =
False`` for the session, turns it off.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import re
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from indb_ml import sqlexpr
from indb_ml.client.calls import TableCalls
from indb_ml.client.models import LinregrModel
from indb_ml.client.progress import SHOW_SQL, Bar

if TYPE_CHECKING:
    from typing import Self

Features = Union[str, Sequence[Union[str, int, float]]]
_LINREGR_STATS = frozenset((
    "coef", "r2", "std_err", "t_stats", "p_values", "condition_no", "num_rows_processed",
    "num_missing_rows_skipped", "variance_covariance", "bp_stats", "bp_p_value",
))


class IndbMlError(Exception):
    """An error reported by the server, with PostgreSQL's message, hint and SQLSTATE."""

    def __init__(self, message: str, *, sqlstate: str | None = None, hint: str | None = None,
                 detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.sqlstate = sqlstate
        self.hint = hint
        self.detail = detail

    @classmethod
    def from_psycopg(cls, exc: psycopg.Error) -> IndbMlError:
        diag = exc.diag
        message = diag.message_primary or str(exc).strip() or type(exc).__name__
        # PL/Python prefixes errors raised with plpy.error() by the exception's type name.
        message = message.removeprefix("plpy.Error: ")
        return cls(message, sqlstate=exc.sqlstate, hint=diag.message_hint, detail=diag.message_detail)

    def __str__(self) -> str:
        text = self.message
        if self.detail:
            text += "\nDETAIL: " + self.detail
        if self.hint:
            text += "\nHINT: " + self.hint
        return text


class Database(TableCalls):
    """A session on a database where the ``indb_ml`` extension is installed.

    Every method that runs a server call takes the keyword ``progress`` (default True): the
    server's progress reports draw a tqdm bar on ``progress_file`` (stderr by default) once the
    call has run a second. ``progress=False`` draws none and does not ask the server for the
    reports (``indb_ml.show_progress`` stays unset for the call); ``progress_bar = False`` does
    the same for every call of the session. ``logregr_train`` and ``glm`` also take a callback.
    """

    def __init__(self, conn: psycopg.Connection, *, owned: bool = False, release: Any = None):
        self._conn = conn
        self._owned = owned
        self._release = release  # a SQLAlchemy pooled connection to hand back on close()
        # a tqdm bar on calls over a second (indb_ml.client.progress); where it is drawn
        self.progress_bar = True
        self.progress_file: Any = None

    @classmethod
    def connect(cls, dsn_or_engine: Any, **kwargs: Any) -> Database:
        """Open from a DSN, or wrap a psycopg connection or a SQLAlchemy engine/connection.

        A DSN opens a new connection (``kwargs`` go to ``psycopg.connect``) that
        :meth:`close` closes. A psycopg or SQLAlchemy connection stays the caller's:
        :meth:`close` leaves it open. An engine lends one pooled connection, returned
        on :meth:`close`. SQLAlchemy must use psycopg 3: ``postgresql+psycopg://``.
        """
        if isinstance(dsn_or_engine, str):
            kwargs.setdefault("autocommit", False)
            return cls(psycopg.connect(_plain_dsn(dsn_or_engine), **kwargs), owned=True)
        if kwargs:
            raise TypeError("keyword arguments are only accepted with a DSN string")
        if isinstance(dsn_or_engine, psycopg.Connection):
            return cls(dsn_or_engine)
        sa = sys.modules.get("sqlalchemy")
        if sa is not None and isinstance(dsn_or_engine, sa.engine.Engine):
            _check_psycopg_dialect(dsn_or_engine.dialect)
            pooled = dsn_or_engine.raw_connection()
            return cls(pooled.dbapi_connection, release=pooled)
        if sa is not None and isinstance(dsn_or_engine, sa.engine.Connection):
            _check_psycopg_dialect(dsn_or_engine.dialect)
            return cls(dsn_or_engine.connection.dbapi_connection)
        raise TypeError(
            "indb_ml.connect() takes a DSN string, a psycopg.Connection, or a SQLAlchemy Engine or "
            f"Connection, not {type(dsn_or_engine).__name__}"
        )

    @property
    def connection(self) -> psycopg.Connection:
        """The underlying psycopg connection."""
        return self._conn

    def execute(self, query: Any, params: Any = None) -> psycopg.Cursor:
        """Run one statement in its own transaction; the cursor's rows stay readable after it."""
        try:
            with self._conn.transaction():
                return self._conn.execute(query, params)
        except psycopg.Error as exc:
            raise IndbMlError.from_psycopg(exc) from exc

    def linregr_train(
        self,
        source: str,
        target: str,
        features: Features,
        grouping: str | Sequence[str] | None = None,
        heteroskedasticity: bool = False,
        out_table: str | None = None,
        *,
        progress: bool = True,
    ) -> LinregrModel | dict[tuple, LinregrModel]:
        """Ordinary least squares inside the server (``indb_ml.linregr_train``).

        - ``source``: a table or view name, resolved as in SQL (``'s.t'``, ``'"My T"'``).
        - ``target``: the dependent column (quoted: the name is used exactly as given).
        - ``features``: a list of column names and numeric constants; no intercept is
          added, include ``1`` for one: ``[1, "tax", "bath"]``. Or one string passed
          as-is as MADlib's ``independent_varname``: ``"ARRAY[1, tax, log(size)]"`` or
          the name of a ``float8[]``/``vector`` column.
        - ``grouping``: column names (list) or MADlib's ``'col1, col2'`` string; the
          result is then ``{(value1, value2): model}``, one model per group.
        - ``heteroskedasticity``: also compute the Breusch-Pagan test.
        - ``out_table``: keep the output table (and ``<out_table>_summary``) under this
          name; by default both are temporary tables (``pg_temp``, so no CREATE privilege
          on a schema is needed), dropped before returning.
        """
        x_sql, names, y_sql, group_sql = self._inputs(features, target, grouping)
        rows, group_cols = self._run("SELECT indb_ml.linregr_train(%s, %s, %s, %s, %s, %s)",
                                     lambda out: [source, out, y_sql, x_sql, group_sql, bool(heteroskedasticity)],
                                     out_table, _LINREGR_STATS, progress=progress)
        names = _names(features, names, rows)
        return _by_group([LinregrModel.from_row(r, names, {c: r[c] for c in group_cols} if group_cols else None)
                          for r in rows], group_sql)

    def logregr_train(
        self,
        source: str,
        target: str,
        features: Features,
        *,
        grouping: str | Sequence[str] | None = None,
        max_iter: int = 20,
        tolerance: float = 1e-4,
        verbose: bool = False,
        progress: bool | Callable[[int, float, int], None] | None = True,
        out_table: str | None = None,
    ):
        """Logistic regression inside the server (``indb_ml.logregr_train``, IRLS).

        ``target`` is a boolean or 0/1 column; ``features``, ``grouping`` and ``out_table``
        are as in :meth:`linregr_train`. With ``verbose`` the server reports every iteration;
        a callable ``progress(iteration, log_likelihood, max_iter)`` receives them (by default
        a one-line progress bar on stderr). ``progress=False``: no bar, no reports asked for.
        Returns a :class:`LogregrModel` (or a dict per group).
        """
        from indb_ml.client.models import LogregrModel

        x_sql, names, y_sql, group_sql = self._inputs(features, target, grouping)
        rows, group_cols = self._run(
            "SELECT indb_ml.logregr_train(%s, %s, %s, %s, %s, %s, 'irls', %s, %s)",
            lambda out: [source, out, y_sql, x_sql, group_sql, max_iter, tolerance, bool(verbose)],
            out_table, _LOGREGR_STATS, max_iter, progress=progress, verbose=verbose)
        names = _names(features, names, rows)
        models = [LogregrModel.from_row(r, names, {c: r[c] for c in group_cols} if group_cols else None)
                  for r in rows]
        return _by_group(models, group_sql)

    def glm(
        self,
        source: str,
        target: str,
        features: Features,
        family: str,
        link: str | None = None,
        *,
        grouping: str | Sequence[str] | None = None,
        max_iter: int = 100,
        tolerance: float = 1e-6,
        verbose: bool = False,
        progress: bool | Callable[[int, float, int], None] | None = True,
        out_table: str | None = None,
    ):
        """A generalized linear model inside the server (``indb_ml.glm``, IRLS): ``family`` is
        gaussian, binomial, poisson, gamma or inverse_gaussian, ``link`` one of its links (None:
        the family's default). Other arguments as in :meth:`logregr_train`; ``progress`` receives
        ``(iteration, log-likelihood, max_iter)``. Returns a :class:`GlmModel` (or a dict per group)."""
        from indb_ml.client.glm_models import GlmModel

        x_sql, names, y_sql, group_sql = self._inputs(features, target, grouping)
        from indb_ml.client.calls import _word

        family_params = f"family={_word(family)}" + (f", link={_word(link)}" if link else "")
        optim_params = f"max_iter={int(max_iter)}, optimizer=irls, tolerance={float(tolerance)!r}"
        rows, group_cols = self._run(
            "SELECT indb_ml.glm(%s, %s, %s, %s, %s, %s, %s, %s)",
            lambda out: [source, out, y_sql, x_sql, family_params, group_sql, optim_params, bool(verbose)],
            out_table, _GLM_STATS, max_iter, progress=progress, verbose=verbose, pattern=_GLM_ITERATION,
            summary_sql="SELECT family_params FROM {}")
        used = dict(kv.split("=") for kv in rows[0]["indb_ml_summary"].replace(" ", "").split(","))
        names = _names(features, names, rows)
        models = [GlmModel.from_row(r, used["family"], used["link"], names,
                                    {c: r[c] for c in group_cols} if group_cols else None) for r in rows]
        return _by_group(models, group_sql)

    def mlogregr_train(
        self,
        source: str,
        target: str,
        features: Features,
        *,
        ref_category: int = 0,
        max_iter: int = 20,
        tolerance: float = 1e-4,
        out_table: str | None = None,
        progress: bool = True,
    ):
        """Multinomial logistic regression inside the server (``indb_ml.mlogregr_train``):
        ``target`` is an integer category column. Returns an :class:`MlogregrModel`."""
        from indb_ml.client.glm_models import MlogregrModel

        x_sql, names, y_sql, _ = self._inputs(features, target, None)
        params = f"max_iter={int(max_iter)}, optimizer=irls, tolerance={float(tolerance)!r}"
        rows, _ = self._run("SELECT indb_ml.mlogregr_train(%s, %s, %s, %s, %s, %s)",
                            lambda out: [source, out, y_sql, x_sql, int(ref_category), params],
                            out_table, frozenset(), max_iter, progress=progress)
        return MlogregrModel.from_rows(rows, _names(features, names, rows))

    def elastic_net_train(
        self,
        source: str,
        target: str,
        features: Features,
        *,
        family: str = "gaussian",
        alpha: float = 1.0,
        lambda_value: float = 0.1,
        standardize: bool = True,
        grouping: str | Sequence[str] | None = None,
        max_iter: int = 1000,
        tolerance: float = 1e-6,
        out_table: str | None = None,
        progress: bool = True,
    ):
        """Elastic net inside the server (``indb_ml.elastic_net_train``, glmnet's objective):
        ``features`` must not contain the intercept (it is fitted separately). Returns an
        :class:`ElasticNetModel` (or a dict per group)."""
        from indb_ml.client.glm_models import ElasticNetModel

        x_sql, names, y_sql, group_sql = self._inputs(features, target, grouping)
        rows, group_cols = self._run(
            "SELECT indb_ml.elastic_net_train(%s, %s, %s, %s, %s, %s, %s, %s, %s, 'fista', NULL, NULL, %s, %s)",
            lambda out: [source, out, y_sql, x_sql, family, float(alpha), float(lambda_value), bool(standardize),
                         group_sql, int(max_iter), float(tolerance)],
            out_table, _ELASTIC_NET_STATS, max_iter, progress=progress)
        names = _names(features, names, rows)
        models = [ElasticNetModel.from_row(r, names, {c: r[c] for c in group_cols} if group_cols else None)
                  for r in rows]
        return _by_group(models, group_sql)

    def _inputs(self, features: Features, target: str, grouping):
        x_sql, names = _features_sql(features, self._conn)
        return x_sql, names, sql.Identifier(target).as_string(self._conn), _grouping_sql(grouping, self._conn)

    def _run(self, call: str, params, out_table: str | None, stats: frozenset, max_iter: int = 0, *,
             progress: Any = True, verbose: bool = False, pattern: re.Pattern | None = None,
             summary_sql: str | None = None):
        """Run one training call: ``(rows as dicts, grouping column names)``.

        The output goes to a temporary table (dropped) unless ``out_table`` is given. With
        ``verbose``, the per-iteration NOTICEs (``pattern``) go to the ``progress`` callback
        (:func:`_callback`); else ``progress`` says whether the tqdm bar is drawn.
        ``summary_sql`` (a template over the summary table) adds its first value to every row
        as ``indb_ml_summary``."""
        callback = _callback(progress, verbose)
        report = [_iteration_reporter(callback, max_iter, pattern or _ITERATION)] if callback is not None else []
        out = out_table if out_table is not None else "pg_temp.indb_ml_tmp_" + uuid.uuid4().hex
        with self._calling(progress is not False and callback is None, report) as cur:
            cur.execute(call, params(out))
            table, summary = _output_names(cur, out)
            rows = cur.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall()
            group_cols = [c.name for c in cur.description if c.name not in stats] if stats else []
            if summary_sql is not None:
                extra = cur.execute(sql.SQL(summary_sql).format(summary)).fetchone()
                for r in rows:
                    r["indb_ml_summary"] = next(iter(extra.values()))
            if out_table is None:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}").format(table, summary))
        return rows, group_cols

    @contextlib.contextmanager
    def _calling(self, progress: bool = True, handlers: Sequence[Callable] = (),
                 row_factory: Any = dict_row) -> Iterator[psycopg.Cursor]:
        """One server call: a cursor inside its own transaction (a savepoint inside the caller's).

        With ``progress`` (and ``self.progress_bar``) the call's transaction sets
        ``indb_ml.show_progress`` and a :class:`~indb_ml.client.progress.Bar` draws the reports;
        without, neither. ``handlers`` also hear the call's notices. Server errors become
        :class:`IndbMlError`; its WARNINGs become Python warnings once it succeeded."""
        conn = self._conn
        notices: list[str] = []
        shown = Bar(self.progress_file) if progress and self.progress_bar else None
        listening = [_warning_collector(notices), *handlers, *([shown] if shown is not None else [])]
        for handler in listening:
            conn.add_notice_handler(handler)
        try:
            with conn.transaction(), conn.cursor(row_factory=row_factory) as cur:
                if shown is not None:
                    cur.execute(SHOW_SQL)
                yield cur
        except psycopg.Error as exc:
            raise IndbMlError.from_psycopg(exc) from exc
        finally:
            for handler in listening:
                conn.remove_notice_handler(handler)
            if shown is not None:
                shown.close()
        for message in notices:
            warnings.warn(message, RuntimeWarning, stacklevel=_caller_level())

    def matrix(self, table: str, args: str | None = None, *, columns: Sequence[str] | None = None,
               column: str | None = None):
        """A lazy :class:`~indb_ml.client.matrix.Matrix` over a matrix table (MADlib ``args``), or
        over a feature table's numeric ``columns`` or array / vector ``column`` (rows in physical
        order, numbered 1..m)."""
        from indb_ml.client.matrix import Matrix, fresh_name

        name = fresh_name("m")
        binding: dict = {"table": table, "args": args or ""}
        if columns is not None:
            binding = {"table": table, "columns": list(columns)}
        elif column is not None:
            binding = {"table": table, "column": column}
        return Matrix(self, name, {name: binding})

    def close(self) -> None:
        """Close the connection this session opened, or return a pooled one; keep the caller's."""
        if self._release is not None:
            self._release.close()
            self._release = None
        elif self._owned:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain_dsn(dsn: str) -> str:
    """Accept SQLAlchemy's ``postgresql+psycopg://`` spelling of a libpq URI."""
    scheme, sep, rest = dsn.partition("://")
    if sep and "+" in scheme:
        base, _, driver = scheme.partition("+")
        if driver != "psycopg":
            raise ValueError(f"indb_ml uses psycopg 3: use postgresql+psycopg:// or postgresql://, not {scheme}://")
        return base + "://" + rest
    return dsn


def _check_psycopg_dialect(dialect: Any) -> None:
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        raise ValueError(
            f"indb_ml needs a PostgreSQL engine on psycopg 3 (a postgresql+psycopg:// URL), "
            f"not {dialect.name}+{dialect.driver}"
        )


def _features_sql(features: Features, conn: psycopg.Connection) -> tuple[str, tuple[str, ...]]:
    """MADlib's ``independent_varname`` text and the feature names it implies."""
    if isinstance(features, str):
        return features, ()
    if not isinstance(features, Sequence) or not features:
        raise TypeError("features must be a non-empty list of column names and constants, or one expression string")
    items, names = [], []
    for item in features:
        if isinstance(item, str):
            text, name = sql.Identifier(item).as_string(conn), item
        elif isinstance(item, numbers.Real) and not isinstance(item, bool) and math.isfinite(item):
            text = str(int(item)) if isinstance(item, numbers.Integral) else repr(float(item))
            name = text
        else:
            raise TypeError(f"feature {item!r} is neither a column name nor a finite number")
        items.append(text)
        names.append(name)
    return "ARRAY[" + ", ".join(items) + "]", tuple(names)


def _grouping_sql(grouping: str | Sequence[str] | None, conn: psycopg.Connection) -> str | None:
    if grouping is None or isinstance(grouping, str):
        return grouping if grouping and grouping.strip() else None
    cols = [sql.Identifier(g).as_string(conn) for g in grouping]
    return ", ".join(cols) if cols else None


def _output_names(cur: psycopg.Cursor, out: str) -> tuple[sql.Identifier, sql.Identifier]:
    """The output and summary tables as the server names them (``parse_ident``; no schema: current_schema()).

    Always schema-qualified: an unqualified name could find a temporary table of the same name first.
    """
    row = cur.execute("SELECT parse_ident(%s) AS p, current_schema() AS s", [out]).fetchone()
    *schema, name = row["p"]
    schema = schema or [row["s"]]
    return sql.Identifier(*schema, name), sql.Identifier(*schema, name + "_summary")


def _expression_names(text: str, k: int) -> tuple[str, ...]:
    """Feature names from MADlib's expression: ``'ARRAY[1, tax]'`` -> ``('1', 'tax')``."""
    try:
        node = sqlexpr.parse(text)
    except ValueError:
        return ()
    if isinstance(node, sqlexpr.Array):
        # Display names, not SQL sent anywhere: sqlexpr's doctest quoting shows plain names bare.
        shown = (sqlexpr.to_sql(i, sqlexpr._demo_quote, sqlexpr._demo_literal) for i in node.items)
        return tuple(_strip_parens(text) for text in shown)
    if isinstance(node, sqlexpr.Col):
        return tuple(f"{node.name}[{i + 1}]" for i in range(k))
    return ()


def _strip_parens(text: str) -> str:
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


_LOGREGR_STATS = frozenset((
    "coef", "log_likelihood", "std_err", "z_stats", "p_values", "odds_ratios", "condition_no", "num_rows_processed",
    "num_missing_rows_skipped", "num_iterations", "variance_covariance", "status",
))
_ITERATION = re.compile(r"iteration (\d+), log-likelihood (\S+)")
_GLM_ITERATION = re.compile(r"iteration (\d+), log-likelihood (\S+)")
_GLM_STATS = frozenset((
    "coef", "log_likelihood", "std_err", "z_stats", "t_stats", "p_values", "dispersion", "num_rows_processed",
    "num_rows_skipped", "num_iterations", "status",
))
_ELASTIC_NET_STATS = frozenset((
    "family", "features", "features_selected", "coef_nonzero", "coef_all", "intercept", "log_likelihood",
    "standardize", "iteration_run",
))


def _by_group(models: list, group_sql: str | None):
    """One model, or ``{(group values...): model}`` when the call was grouped."""
    if group_sql is None:
        return models[0]
    return {tuple(m.group.values()): m for m in models}


def _names(features: Features, names: tuple, rows: list) -> tuple:
    """Feature names: from the list given, or parsed from an expression string."""
    if isinstance(features, str) and rows:
        coef = rows[0].get("coef", rows[0].get("coef_all"))
        return _expression_names(features, len(coef or ()))
    return names


def _progress_bar(iteration: int, log_likelihood: float, max_iter: int) -> None:
    """The default verbose display: one line on stderr, redrawn per iteration."""
    done = int(20 * iteration / max(max_iter, 1))
    sys.stderr.write(f"\r[{'#' * done}{'.' * (20 - done)}] iteration {iteration}/{max_iter}  "
                     f"log-likelihood {log_likelihood:.6g}")
    sys.stderr.flush()


def _callback(progress: Any, verbose: bool):
    """The callable that receives a verbose trainer's iterations: ``progress`` itself, the
    stderr line for True (None: the old default, the same), nothing for False or without
    ``verbose``."""
    if not verbose or progress is False:
        return None
    return progress if callable(progress) else _progress_bar


_CLIENT_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_level() -> int:
    """``warnings.warn``'s stacklevel of the first frame outside this package and contextlib:
    the user's line that called the method."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _CLIENT_DIR
                                 or frame.f_code.co_filename == contextlib.__file__):
        frame, level = frame.f_back, level + 1
    return level


def _iteration_reporter(progress, max_iter: int, pattern: re.Pattern):
    """A notice handler turning the server's per-iteration NOTICEs into ``progress`` calls."""

    def report(diag: psycopg.errors.Diagnostic) -> None:
        m = pattern.search(diag.message_primary or "")
        if m:
            progress(int(m.group(1)), float(m.group(2)), max_iter)

    return report


def _warning_collector(into: list[str]):
    """A notice handler keeping the server's WARNINGs (e.g. collinear features) for Python warnings."""

    def collect(diag: psycopg.errors.Diagnostic) -> None:
        if diag.severity_nonlocalized == "WARNING" and diag.message_primary:
            into.append(diag.message_primary)

    return collect
