"""The suite compiled to one DuckDB query (sql_engine) gives GX's outcome for every expectation:
success, observed text and failing sample, on the demo warehouse's every suite and on tables
made to fail each expectation type; what it does not reproduce goes to GX."""

import re
from contextlib import contextmanager

import duckdb
import pytest

from dagster_project.defs.ingest.registry import load_registry
from dagster_project.defs.quality import gx_runner, sql_engine
from dagster_project.defs.quality.gx_runner import validate
from dagster_project.defs.quality.suites import (
    Expectation, Suite, lsoa_coverage_suite, mart_suites, period_completeness_suite, raw_suite,
)

SOURCES = load_registry()


def _same(con, suite: Suite) -> list:
    """Both engines' outcomes, asserted equal; SQL must not hand the suite back to GX."""
    gx = validate(con, suite, engine="gx")
    sql = validate(con, suite, engine="sql")
    assert sql == gx
    return gx


def _all_suites() -> list[Suite]:
    suites = [raw_suite(source) for source in SOURCES.values()]
    suites += [raw_suite(source, previous_rows=7) for source in SOURCES.values()]  # a band that fails
    suites += [s for source in SOURCES.values() if (s := period_completeness_suite(source))]
    suites += [s for source in SOURCES.values() if (s := lsoa_coverage_suite(source, SOURCES))]
    return suites + mart_suites()


def test_every_suite_of_the_demo_warehouse_gives_the_same_outcome_in_both_engines(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        outcomes = [o for suite in _all_suites() for o in _same(con, suite)]
    assert len(outcomes) > 100
    assert any(not o.success for o in outcomes)  # the failing row-count bands


# A table of every column type the engine reproduces, with missing values (NULL, and NaN in a
# float column), repeated values, out-of-range values and codes that do not match.
HOSTILE = """
create table hostile as select * from (values
    (1,    10::bigint, 1.5,         2.5::decimal(10,2), 'E05000001', 'ward', 'a', 'x', true),
    (2,    20,         null,        1.0,                'E0500000',  'la',   'b', 'x', false),
    (null, 30,         'nan'::double, null,             null,        'ward', 'a', 'x', null),
    (4,    -5,         -1.0,        5.0,                ' E05000001', 'region', 'c', null, true),
    (4,    40,         3.0,         5.0,                'e05000001', null,   'c', null, true),
    (6,    40,         3.0,         2.5,                'E050000011', 'ward', null, 'y', false),
    (7,    70,         7.25,        8.0,                'E05000007', 'england', null, null, true)
) as t(i, n, d, dec, code, area_type, s, s2, flag)
"""


def _hostile_expectations() -> list[Expectation]:
    def e(kind, **kwargs):
        return Expectation(kind, kwargs)

    pairs = [
        e("expect_column_pair_values_a_to_be_greater_than_b", column_A=a, column_B=b, **extra)
        for a, b in (("d", "dec"), ("s", "s2"), ("n", "i"))
        for extra in ({"ignore_row_if": "either_value_is_missing"}, {"ignore_row_if": "either_value_is_missing", "or_equal": True})
    ] + [
        e("expect_column_pair_values_a_to_be_greater_than_b", column_A=a, column_B=b, **ignore, or_equal=True)
        for a, b in (("d", "dec"), ("s", "s2"))
        for ignore in ({}, {"ignore_row_if": "neither"})  # (GX drops the default, both_values_are_missing)
    ]
    return [
        e("expect_column_values_to_be_between", column="i", min_value=2),
        e("expect_column_values_to_be_between", column="n", min_value=0, max_value=40),
        e("expect_column_values_to_be_between", column="n", min_value=0, max_value=40, strict_max=True),
        e("expect_column_values_to_be_between", column="d", min_value=-1, max_value=3, strict_min=True),
        e("expect_column_values_to_be_between", column="dec", max_value=2.5),
        e("expect_column_values_to_be_between", column="i", min_value=2, mostly=0.8),
        e("expect_column_values_to_be_between", column="i", min_value=2, mostly=0.9),
        e("expect_column_values_to_not_be_null", column="i"),
        e("expect_column_values_to_not_be_null", column="d"),
        e("expect_column_values_to_not_be_null", column="code"),
        e("expect_column_values_to_not_be_null", column="flag"),
        e("expect_column_values_to_not_be_null", column="n"),
        e("expect_column_values_to_not_be_null", column="code", mostly=0.8),
        e("expect_column_values_to_be_null", column="d"),
        e("expect_column_values_to_be_null", column="s2"),
        e("expect_column_values_to_be_null", column="s2", mostly=0.4),
        e("expect_column_values_to_be_unique", column="i"),
        e("expect_column_values_to_be_unique", column="n"),
        e("expect_column_values_to_be_unique", column="d"),
        e("expect_column_values_to_be_unique", column="dec"),
        e("expect_column_values_to_be_unique", column="s"),
        e("expect_compound_columns_to_be_unique", column_list=["i", "s"]),
        e("expect_compound_columns_to_be_unique", column_list=["dec", "n"]),
        e("expect_compound_columns_to_be_unique", column_list=["s", "flag"]),
        e("expect_column_values_to_match_regex", column="code", regex=r"^E05\d{6}$"),
        e("expect_column_values_to_match_regex", column="code", regex=r"E05\d{6}"),
        e("expect_column_values_to_match_regex", column="code", regex=r"^(?:(?:E05\d{6})|(?:E0[6-9]\d{6}))$", mostly=0.5),
        e("expect_column_values_to_be_in_set", column="area_type", value_set=["ward", "la", "england"]),
        e("expect_column_values_to_be_in_set", column="i", value_set=[1, 2, 4]),
        e("expect_column_values_to_be_in_set", column="d", value_set=[1.5, 2.5]),
        *pairs,
        e("expect_table_row_count_to_equal", value=7),
        e("expect_table_row_count_to_equal", value=0),
        e("expect_table_row_count_to_be_between", min_value=1),
        e("expect_table_row_count_to_be_between", min_value=1, max_value=6),
        e("expect_table_row_count_to_be_between", min_value=7, max_value=9, strict_min=True),
        e("expect_table_columns_to_match_set", column_set=["i", "d", "missing"], exact_match=False),
        e("expect_table_columns_to_match_set", column_set=["i", "n"], exact_match=False),
        e("expect_table_columns_to_match_set", column_set=["i", "n"]),
        e("expect_table_columns_to_match_ordered_list", column_list=["i", "n", "d"]),
        e("expect_table_column_count_to_equal", value=8),
        e("expect_table_column_count_to_be_between", min_value=1, max_value=5),
    ]


@pytest.fixture
def hostile():
    con = duckdb.connect()
    con.execute(HOSTILE)
    con.execute("create view hostile_view as select * from hostile")
    yield con
    con.close()


@pytest.mark.parametrize("query", [
    "select * from main.hostile",  # the SQL engine reads the table in place
    "select * from main.hostile_view",  # a view: a copy of the batch, as for any other query
    "select * from hostile where true",
    "select *, 'f.csv' as _source_file, row_number() over () + 1 as _row_number from hostile",
], ids=["table", "view", "query", "raw with file and row"])
def test_values_made_to_fail_every_expectation_type_give_the_same_outcomes_and_samples(hostile, query):
    lineage = "_source_file" in query
    suite = Suite("hostile", ("raw", "hostile"), query, tuple(_hostile_expectations()))
    outcomes = _same(hostile, suite)
    failed = [o for o in outcomes if not o.success]
    assert {o.expectation for o in failed} == {e.type for e in suite.expectations}  # each type fails at least once
    assert all(o.sample for o in failed if o.observed.startswith("unexpected count"))
    located = next(o for o in outcomes if o.expectation == "expect_column_values_to_not_be_null" and o.column == "i")
    assert located.sample == (["f.csv: row 4: i <NA>"] if lineage else ["<NA>"])


def test_an_empty_batch_passes_every_column_expectation_alike(hostile):
    suite = Suite("empty", ("raw", "hostile"), "select * from hostile where false", tuple(_hostile_expectations()))
    outcomes = _same(hostile, suite)
    assert [o.observed for o in outcomes if o.expectation == "expect_table_row_count_to_equal"] == [
        "observed value: 0", "observed value: 0"
    ]


def test_the_sample_is_the_first_ten_failing_rows_in_the_batch_order():
    con = duckdb.connect()
    con.execute("create table big as select range as i, (range % 7)::varchar as s, 'x' as code from range(5000)")
    suite = Suite("big", ("marts", "big"), "select * from big", (
        Expectation("expect_column_values_to_be_between", {"column": "i", "max_value": 100}),
        Expectation("expect_column_values_to_be_unique", {"column": "s"}),
        Expectation("expect_column_values_to_match_regex", {"column": "code", "regex": "^E"}),
    ))
    outcomes = _same(con, suite)
    assert outcomes[0].sample == [str(i) for i in range(101, 111)]
    assert outcomes[0].observed == "unexpected count: 4899"


@pytest.mark.parametrize("rows,expectation", [
    ("('E05000001\n'), ('E05000002')", {"column": "code", "regex": r"^E05\d{6}$"}),  # $ before a newline in Python
    ("('E05\u0661\u0662\u0663\u0664\u0665\u0666'), ('E05000002')", {"column": "code", "regex": r"^E05\d{6}$"}),  # \d
])
def test_values_the_regex_dialects_read_differently_go_to_gx(rows, expectation):
    con = duckdb.connect()
    con.execute(f"create table t as select * from (values {rows}) as t(code)")
    suite = Suite("t", ("marts", "t"), "select * from t",
                  (Expectation("expect_column_values_to_match_regex", expectation),))
    with pytest.raises(sql_engine.Unsupported):
        validate(con, suite, engine="sql")
    gx = validate(con, suite, engine="gx")
    assert gx[0].success  # Python's re.search matches both; RE2 would not
    with _threshold(0):
        assert validate(con, suite) == gx


@pytest.mark.parametrize("expectation", [
    Expectation("expect_column_pair_values_a_to_be_greater_than_b", {"column_A": "a", "column_B": "b"}),
    Expectation("expect_compound_columns_to_be_unique", {"column_list": ["a", "c"]}),
    Expectation("expect_column_values_to_be_between", {"column": "c", "min_value": 0}),  # text
    Expectation("expect_column_values_to_match_regex", {"column": "c", "regex": r"(\w)\1"}),  # a backreference
    Expectation("expect_column_values_to_be_in_set", {"column": "a", "value_set": ["1"]}),
    Expectation("expect_column_values_to_not_be_null", {"column": "missing"}),
])
def test_what_the_engine_does_not_reproduce_goes_to_gx(expectation):
    con = duckdb.connect()
    con.execute("create table t as select * from (values (1, 2, 'x'), (null, 1, 'x'), (null, 1, 'x')) as t(a, b, c)")
    suite = Suite("t", ("marts", "t"), "select * from t", (expectation,))
    with pytest.raises(sql_engine.Unsupported):
        validate(con, suite, engine="sql")
    with _threshold(0):
        assert validate(con, suite) == validate(con, suite, engine="gx")


def test_the_project_regexes_read_alike_in_re2_and_python():
    """Every regex of the registry and the suites is in the subset both dialects read alike, and
    both agree on printable ASCII codes near a match."""
    regexes = {s.area_code_pattern.pattern for s in SOURCES.values()}
    regexes |= {e.kwargs["regex"] for suite in mart_suites() for e in suite.expectations if "regex" in e.kwargs}
    codes = ["E05000001", "E0500000", "E050000011", " E05000001", "E05000001 ", "e05000001", "E01000001",
             "E06000001", "E08000010", "W05000001", "E05O00001", "E05000001E05000001", "", "E0", "^E05000001$"]
    con = duckdb.connect()
    for regex in regexes:
        assert sql_engine._regex_supported(regex), regex
        for code in codes:
            (re2,) = con.execute("select regexp_matches(?, ?)", [code, regex]).fetchone()
            assert re2 == bool(re.search(regex, code)), (regex, code)


def test_only_a_table_is_read_in_place(hostile):
    def suite(query):
        return Suite("h", ("marts", "h"), query, ())

    assert gx_runner._whole_table(hostile, suite("select * from main.hostile")) == "main.hostile"
    assert gx_runner._whole_table(hostile, suite(' SELECT * FROM "main"."hostile";')) == '"main"."hostile"'
    assert gx_runner._whole_table(hostile, suite("select * from main.hostile_view")) is None
    assert gx_runner._whole_table(hostile, suite("select * from main.hostile where i > 1")) is None


def test_a_batch_below_the_threshold_is_validated_by_gx(monkeypatch, hostile):
    calls = []
    monkeypatch.setattr(sql_engine, "validate", lambda *args: calls.append(args) or [])
    suite = Suite("h", ("marts", "h"), "select * from hostile",
                  (Expectation("expect_column_values_to_not_be_null", {"column": "i"}),))
    with _threshold(8):
        validate(hostile, suite)
    assert calls == []
    with _threshold(7):
        validate(hostile, suite)
    assert len(calls) == 1


def test_a_raw_suite_in_the_ingest_step_takes_the_compiled_query_at_any_size(monkeypatch, hostile):
    """The ingest step runs the raw tables' suites beside its loading threads: GX_SQL_MIN_ROWS_RAW
    (default 0), not GX_SQL_MIN_ROWS, decides their engine."""
    calls = []
    monkeypatch.setattr(sql_engine, "validate", lambda *args: calls.append(args) or [])
    suite = Suite("h", ("raw", "h"), "select * from hostile",
                  (Expectation("expect_column_values_to_not_be_null", {"column": "i"}),))
    validate(hostile, suite)
    assert calls == []
    validate(hostile, suite, raw=True)
    assert len(calls) == 1
    with _threshold(8, "GX_SQL_MIN_ROWS_RAW"):
        validate(hostile, suite, raw=True)
    assert len(calls) == 1


@contextmanager
def _threshold(rows: int, name: str = "GX_SQL_MIN_ROWS"):
    """GX_SQL_MIN_ROWS (or `name`) set to `rows` for the block."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(name, str(rows))
        assert gx_runner.configured_sql_min_rows(name == "GX_SQL_MIN_ROWS_RAW") == rows
        yield


def test_arguments_spelled_out_at_their_defaults_are_paired_with_their_results():
    """GX leaves an argument given at its default out of the result it returns (`mostly: 1.0`,
    `strict_min: false`); the suite's expectation must still find its own result, failures too."""
    con = duckdb.connect()
    con.execute("create table t as select range as i, case when range = 3 then null else 'a' end as s from range(10)")
    suite = Suite("defaults", ("marts", "t"), "select * from t", (
        Expectation("expect_column_values_to_not_be_null", {"column": "s", "mostly": 1.0}),
        Expectation("expect_column_values_to_be_between", {"column": "i", "min_value": 0, "max_value": 5, "strict_min": False}),
        Expectation("expect_column_values_to_be_in_set", {"column": "s", "value_set": ["a"], "mostly": 1}),
        Expectation("expect_column_values_to_not_be_null", {"column": "i"}),
    ))
    outcomes = _same(con, suite)
    assert [o.success for o in outcomes] == [False, False, True, True]
    assert outcomes[1].observed == "unexpected count: 4"


def test_gx_keeps_no_batch_or_metric_once_a_suite_is_validated(hostile):
    """GX's pandas engine would keep every validated batch's frame and metrics for the life of the
    process (the pipeline's, through dbt and the site): each suite's are dropped once validated."""
    suite = Suite("kept", ("raw", "hostile"), "select * from hostile", tuple(_hostile_expectations()))
    validate(hostile, suite, engine="gx")
    engine = gx_runner._gx()[1].get_execution_engine()
    assert engine.batch_manager.batch_data_cache == {} and engine.batch_manager.batch_cache == {}
    assert len(engine._metric_cache) == 0


def test_gx_prepared_in_the_background_is_the_one_the_checks_use(monkeypatch):
    """GX imported on a thread (while dbt runs) and asked for by a check at the same time is set
    up once: both get the same datasource."""
    monkeypatch.setattr(gx_runner, "_GX", {})
    thread = gx_runner.prepare_in_background()
    first = gx_runner._gx()
    thread.join()
    assert gx_runner._gx()[1] is first[1] and thread.name == "gx-import"
