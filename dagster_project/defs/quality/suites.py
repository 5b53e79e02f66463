"""Expectation suites: YAML files in expectations/ plus the checks every registry source gets.

A suite names the asset it gates, the SQL that gives its batch (default: the whole
table) and a list of expectations, each a GX 1.x expectation type with its arguments
and a severity: `critical` blocks everything downstream, `warning` is only reported.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dagster_project.defs.ingest.registry import Source
from dagster_project.inputs import files_under
from dagster_project.regular_files import NotRegularFile, kind, open_regular
from dagster_project.settings import EXPECTATIONS_DIR

SEVERITIES = ("critical", "warning")


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    severity: str = "critical"
    notes: str | None = None

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A") or (
            ",".join(self.kwargs["column_list"]) if "column_list" in self.kwargs else None
        )


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    query: str
    expectations: tuple[Expectation, ...] = field(default_factory=tuple)

    @property
    def table(self) -> str:
        return ".".join(self.asset)


def _expectation(spec: dict, origin: str) -> Expectation:
    spec = dict(spec)
    severity = spec.pop("severity", "critical")
    if severity not in SEVERITIES:
        raise ValueError(f"{origin}: severity {severity!r} is not one of {SEVERITIES}")
    notes = spec.pop("notes", None)
    (kind, kwargs), = spec.items()
    return Expectation(kind, kwargs or {}, severity, notes)


def load_suite_file(path: Path) -> Suite:
    """A suite file, never through a symbolic link: the fingerprint counts a link as a link, so an
    edit to what it points at would be a check no rerun ever saw."""
    try:
        with open_regular(path) as handle:
            document = yaml.safe_load(handle.read().decode("utf-8"))
    except NotRegularFile as error:
        raise ValueError(f"expectation suite {error}") from None
    asset = tuple(document["asset"].split("."))
    return Suite(
        name=document.get("name", path.stem),
        asset=asset,
        query=document.get("query", f'select * from "{asset[0]}"."{asset[1]}"'),
        expectations=tuple(_expectation(e, str(path)) for e in document.get("expectations", [])),
    )


def registry_expectations(source: Source) -> list[Expectation]:
    """What the registry declares, as expectations: required columns and types, unique keys,
    area codes of the declared geography, and at least one row for a required source."""
    # One check for all declared columns (not one per column): wide releases (a column per month or
    # single year of age) would otherwise list hundreds of identical passes.
    expectations = [
        Expectation("expect_table_columns_to_match_set",
                    {"column_set": [source.raw_column(name) for name in source.columns], "exact_match": False})
    ]
    key = [source.raw_column(k) for k in source.key]
    if len(key) == 1:
        expectations.append(Expectation("expect_column_values_to_be_unique", {"column": key[0]}))
    else:
        expectations.append(Expectation("expect_compound_columns_to_be_unique", {"column_list": key}))
    for name, column_type in source.columns.items():
        column = source.raw_column(name)
        if column_type == "area_code":
            expectations.append(Expectation("expect_column_values_to_not_be_null", {"column": column}))
            expectations.append(
                Expectation("expect_column_values_to_match_regex", {"column": column, "regex": source.area_code_pattern.pattern})
            )
    if source.required:
        expectations.append(Expectation("expect_table_row_count_to_be_between", {"min_value": 1}))
    return expectations


def row_count_band(previous_rows: int | None, tolerance: float = 0.5) -> list[Expectation]:
    """A warning when a release's row count is far from the previous published one's (with no
    previous load, only that the count is known: the same expectation either way, so reruns
    report the same results)."""
    if not previous_rows:
        return [
            Expectation("expect_table_row_count_to_be_between", {"min_value": 0}, severity="warning",
                        notes="no previous published load to compare with")
        ]
    return [
        Expectation(
            "expect_table_row_count_to_be_between",
            {"min_value": int(previous_rows * (1 - tolerance)), "max_value": int(previous_rows * (1 + tolerance))},
            severity="warning",
            notes=f"within {tolerance:.0%} of the previous published load ({previous_rows} rows)",
        )
    ]


def raw_suite(source: Source, previous_rows: int | None = None) -> Suite:
    """The registry's expectations for a source, a row-count band around the previous
    published load, and any expectations in expectations/raw/<id>.yml."""
    extra = EXPECTATIONS_DIR / "raw" / f"{source.id}.yml"
    extras = load_suite_file(extra).expectations if kind(extra) != "absent" else ()
    return Suite(
        name=f"raw_{source.id}",
        asset=("raw", source.id),
        query=f"select * from {source.table}",
        expectations=(*registry_expectations(source), *row_count_band(previous_rows), *extras),
    )


def mart_suites(directory: Path = EXPECTATIONS_DIR / "marts") -> list[Suite]:
    """The suites in the folder: the very files the checks' fingerprint lists (inputs.files_under)."""
    return [load_suite_file(path) for path in files_under(directory, "*.yml") if path.parent == directory]


def _area_code_column(source: Source) -> str:
    return source.raw_column(next(n for n, t in source.columns.items() if t == "area_code"))


def lsoa_coverage_suite(source: Source, sources: dict[str, Source]) -> Suite | None:
    """For an LSOA-level source: every LSOA of a configured council that any loaded source of the
    same LSOA vintage has is in this source too, in each of its periods, for each council the
    source covers at all (a national file's other councils are left out, a one-council file's
    other councils are not its to cover). A row rejected or deleted would otherwise leave a ward
    built from some of its LSOAs; the run stops instead, naming the LSOA. A period of a series cut
    short at source for some councils is a warning: the marts mark those councils' figures for
    that period incomplete (int_area_indicator_values), and the other councils are untouched.
    An optional source that is not supplied (no rows) is not checked."""
    if source.geography_levels != ("lsoa",) or not source.every_lsoa:
        return None
    peers = [s for s in sources.values()
             if s.geography_levels == ("lsoa",) and s.every_lsoa and s.geography_vintage == source.geography_vintage]
    code = _area_code_column(source)
    councils = (
        f"select lsoa_code as code, la_code from marts.bridge_lsoa_ward where lsoa_vintage = {source.geography_vintage}"
    )
    peer_codes = " union ".join(f"select {_area_code_column(p)} as code from {p.table}" for p in peers)
    covered = f"select distinct c.la_code from {source.table} as s inner join councils as c on c.code = s.{code}"
    expected = (
        f"select c.code, c.la_code from councils as c where c.la_code in ({covered}) "
        f"and c.code in ({peer_codes})"
    )
    if source.period_column:
        period = source.raw_column(source.period_column)
        periods = f"select distinct {period} as period from {source.table}"
        match = f"s.{code} = e.code and s.{period} = p.period"
        label = "' in period ' || p.period || ' (council ' || e.la_code || ')'"
    else:
        periods = f"select null::varchar as period where exists (select 1 from {source.table})"
        match = f"s.{code} = e.code"
        label = "''"
    return Suite(
        name=f"raw_{source.id}_lsoa_coverage",
        asset=("marts", "bridge_lsoa_ward"),
        query=(
            f"with councils as ({councils}), expected as ({expected}), periods as ({periods}) "
            f"select '{source.id}: no row for LSOA ' || e.code || {label} as missing_lsoa "
            f"from expected as e cross join periods as p "
            f"where e.code is not null and not exists (select 1 from {source.table} as s where {match}) "
            "order by 1"
        ),
        expectations=(
            Expectation("expect_column_values_to_be_null", {"column": "missing_lsoa"},
                        severity="warning" if source.period_column else "critical",
                        notes=f"every LSOA (vintage {source.geography_vintage}) of the other LSOA sources is in this "
                              "source, so no ward is built from only some of its LSOAs"
                              + ("; a period cut short marks the councils it lacks incomplete" if source.period_column else "")),
        ),
    )


def period_completeness_suite(source: Source) -> Suite | None:
    """For a source whose rows carry their period: every period has as many rows as the
    fullest one (a period cut short is a warning, shown on the data quality page)."""
    if not source.period_column:
        return None
    column = source.raw_column(source.period_column)
    return Suite(
        name=f"raw_{source.id}_periods",
        asset=("raw", source.id),
        query=(
            f"with counts as (select {column} as period, count(*) as n from {source.table} group by 1) "
            "select period, n, (select max(n) from counts) as fullest from counts where n < (select max(n) from counts)"
        ),
        expectations=(
            Expectation("expect_table_row_count_to_equal", {"value": 0}, severity="warning",
                        notes="every period has as many rows as the fullest period"),
        ),
    )
