"""MADlib's help overloads matrix_xxx() and matrix_xxx(message): texts, signatures, examples, no ambiguity."""

from __future__ import annotations

import re

import pytest

from indb_ml.matrix.help import HELP, NO_MESSAGE_OVERLOAD, SPECS, matrix_help

NAMES = sorted(SPECS)
HELP_SIGNATURES = ("", "message text")


def real_overloads(conn, name: str) -> list[str]:
    """pg_get_function_arguments of the matrix function's own overloads (not the help ones)."""
    rows = conn.execute(
        "SELECT pg_get_function_arguments(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'indb_ml' AND p.proname = %s", [name]).fetchall()
    return [r[0] for r in rows if r[0] not in HELP_SIGNATURES]


def test_matrix_help_messages():
    for name in NAMES:
        text = matrix_help(name)
        assert text == HELP[name] and text.startswith(f"indb_ml.{name}: ")
        for message in ("usage", " USAGE ", "", "help", "?"):
            assert matrix_help(name, message) == text
        other = matrix_help(name, "bogus")
        first, rest = other.split("\n", 1)
        assert "'bogus'" in first and "not recognized" in first
        assert rest.lstrip("\n") == text
    with pytest.raises(KeyError):
        matrix_help("matrix_nonesuch")


def test_every_matrix_function_has_both_help_overloads(postgresql):
    rows = postgresql.execute(
        "SELECT p.proname, pg_get_function_arguments(p.oid), p.provolatile, p.proparallel, "
        "format_type(p.prorettype, NULL) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'indb_ml' AND p.proname LIKE 'matrix\\_%%' AND p.prokind = 'f'").fetchall()
    helps = {(name, args) for name, args, *_ in rows if args in HELP_SIGNATURES}
    functions = {name for name, args, *_ in rows if args not in HELP_SIGNATURES}
    assert functions == set(NAMES), "a matrix function without help text in indb_ml/matrix/help.py"
    assert helps == {(name, args) for name in NAMES for args in HELP_SIGNATURES
                     if not (args and name in NO_MESSAGE_OVERLOAD)}
    for name, args, volatile, parallel, returns in rows:
        if args in HELP_SIGNATURES:
            assert (volatile, parallel, returns) == ("i", "s", "text"), name


def test_help_calls_return_the_usage(postgresql):
    for name in NAMES:
        text = postgresql.execute(f"SELECT indb_ml.{name}()").fetchone()[0]
        assert text == HELP[name]
        assert f"indb_ml.{name}(" in text and "Example:" in text
        if name in NO_MESSAGE_OVERLOAD:
            continue
        assert postgresql.execute(f"SELECT indb_ml.{name}('usage')").fetchone()[0] == text
        assert postgresql.execute(f"SELECT indb_ml.{name}(NULL)").fetchone()[0] == text
        args = [a for a, decl, _ in SPECS[name]["args"] if decl.startswith("text")]  # table arguments
        if "out_args" in args:
            assert "out_args" in text and "Output arguments" in text
        if "matrix_in" in args or "matrix_a" in args:
            assert "in_args" in text and "Matrix arguments" in text
        elif "in_args" in args:  # matrix_random: the distribution's options
            assert "in_args" in text and "Distribution options (in_args" in text
        other = postgresql.execute(f"SELECT indb_ml.{name}(%s)", ["what?"]).fetchone()[0]
        assert other.startswith(f"indb_ml.{name}: message 'what?' is not recognized") and other.endswith(text)


def test_help_shows_the_declared_signatures(postgresql):
    """Every argument name, type and default of every real overload, as the catalog has them."""
    for name in NAMES:
        text = HELP[name]
        overloads = real_overloads(postgresql, name)
        assert overloads, name
        for signature in overloads:
            for arg in signature.split(", "):
                m = re.fullmatch(r"(\w+) ([\w ]+?(?:\[\])?)(?: DEFAULT (.+))?", arg)
                assert m, arg
                arg_name, arg_type, default = m.groups()
                arg_type = {"double precision": "float8", "double precision[]": "float8[]"}.get(arg_type, arg_type)
                assert re.search(rf"\b{arg_name} {re.escape(arg_type)}(?!\w)", text), (name, arg)
                if default is not None:
                    default = re.sub(r"::\w+$", "", default)  # NULL::text -> NULL, 'fro'::text -> 'fro'
                    assert f"{arg_name} {arg_type} DEFAULT {default}" in text, (name, arg)


@pytest.mark.parametrize("name", NAMES)
def test_example_runs_as_shown(postgresql, name):
    spec = SPECS[name]
    text = HELP[name]
    for stmt in spec["example"]:
        assert f"    {stmt};" in text
    with postgresql.transaction(force_rollback=True):
        for stmt in spec["example"][:-1]:
            postgresql.execute(stmt)
        rows = postgresql.execute(spec["example"][-1]).fetchall()
    assert len(rows) == len(spec["result"])
    for got, want in zip(rows, spec["result"]):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_close(g, w, (name, rows))


def assert_close(got, want, where):
    """pytest.approx, element by element through nested lists (2-D arrays)."""
    if isinstance(want, list) and want and isinstance(want[0], list):
        assert isinstance(got, list) and len(got) == len(want), where
        for g, w in zip(got, want):
            assert_close(g, w, where)
    else:
        assert got == pytest.approx(want, abs=1e-12), where


def test_one_text_argument_calls_the_help(postgresql):
    # Unknown literals, typed text, named notation and NULL all pick the help overload.
    for call in ("indb_ml.matrix_random('usage')", "indb_ml.matrix_sum('x'::text)",
                 "indb_ml.matrix_mult(message => 'usage')", "indb_ml.matrix_identity(NULL)",
                 "indb_ml.matrix_diag('usage')", "indb_ml.matrix_norm('usage')"):
        value, kind = postgresql.execute(f"SELECT v, pg_typeof(v)::text FROM (SELECT {call} AS v) s").fetchone()
        assert kind == "text" and value.startswith("indb_ml."), call


def test_real_calls_still_resolve_to_the_real_functions(postgresql):
    postgresql.execute("CREATE TABLE mat_a (row_id integer, row_vec float8[])")
    postgresql.execute("INSERT INTO mat_a VALUES (1, '{1,2}'), (2, '{3,4}')")
    a = "'mat_a', 'row=row_id, val=row_vec'"
    cases = {
        f"indb_ml.matrix_sum({a})": ("double precision[]", [4.0, 6.0]),  # dim defaulted
        f"indb_ml.matrix_mean({a}, 2)": ("double precision[]", [1.5, 3.5]),
        f"indb_ml.matrix_norm({a})": ("double precision", pytest.approx(30 ** 0.5)),  # norm_type defaulted
        f"indb_ml.matrix_ndims({a})": ("integer[]", [2, 2]),
        f"indb_ml.matrix_rank({a})": ("bigint", 2),
        f"indb_ml.matrix_extract_diag({a})": ("double precision[]", [1.0, 4.0]),
        f"indb_ml.matrix_trans({a}, 'mat_t')": ("indb_ml.matrix_result", "(mat_t)"),
        "indb_ml.matrix_identity(2, 'mat_i')": ("indb_ml.matrix_result", "(mat_i)"),
        "indb_ml.matrix_diag(ARRAY[1, 2], 'mat_d')": ("indb_ml.matrix_result", "(mat_d)"),
        "indb_ml.matrix_random(2, 3, 'mat_r3')": ("indb_ml.matrix_result", "(mat_r3)"),
        "indb_ml.matrix_random(2, 3, 'normal', 'mat_r4')": ("indb_ml.matrix_result", "(mat_r4)"),
        "indb_ml.matrix_random(2, 3, 'seed=1', 'bernoulli', 'mat_r6')": ("indb_ml.matrix_result", "(mat_r6)"),
        f"indb_ml.matrix_mult({a}, {a}, 'mat_m')": ("indb_ml.matrix_result", "(mat_m)"),
    }
    for call, (kind, value) in cases.items():
        got, got_kind = postgresql.execute(f"SELECT v::text, pg_typeof(v)::text FROM (SELECT {call} AS v) s"
                                           if kind == "indb_ml.matrix_result" else
                                           f"SELECT v, pg_typeof(v)::text FROM (SELECT {call} AS v) s").fetchone()
        assert got_kind == kind and got == value, call
    assert postgresql.execute("SELECT row_vec FROM mat_m ORDER BY row_id").fetchall() == [([7.0, 10.0],),
                                                                                         ([15.0, 22.0],)]


def test_array_calls_are_not_taken_by_a_help_overload(postgresql):
    # matrix_mem_trans has one array argument: an untyped literal or NULL must reach it, not a
    # message overload (PostgreSQL prefers text for an unknown literal), so it has only name().
    assert postgresql.execute("SELECT indb_ml.matrix_mem_trans('{{1,2,3},{4,5,6}}')").fetchone()[0] == [
        [1, 4], [2, 5], [3, 6]]
    assert postgresql.execute("SELECT indb_ml.matrix_mem_trans(NULL)").fetchone()[0] is None
    assert postgresql.execute("SELECT indb_ml.matrix_mem_trans()").fetchone()[0] == HELP["matrix_mem_trans"]
    # the two-argument array functions keep both overloads and their literal calls
    assert postgresql.execute("SELECT indb_ml.matrix_column('{{1,2},{3,4}}', 0)").fetchone()[0] == [1, 2]
    assert postgresql.execute("SELECT indb_ml.matrix_mem_mult('{{1,2}}', '{{3},{4}}')").fetchone()[0] == [[11]]
    assert postgresql.execute("SELECT indb_ml.matrix_mem_mult('usage')").fetchone()[0] == HELP["matrix_mem_mult"]
