"""The console of a one-shot run: one short line as each stage starts (ingest, dbt, checks, site,
publish), with the time since the run began, instead of Dagster's line per event; and the
closing summary's lines for optional sources not supplied and for pages rendered and kept."""

from __future__ import annotations

import logging
import sys
import time

import dagster as dg

STAGES = (  # (stage, what the line says), by step key
    ("ingest", "reading the raw files"),
    ("dbt", "building the models and running their tests (dbt)"),
    ("checks", "quality checks (Great Expectations suites)"),
    ("site", "rendering the site"),
    ("publish", "publishing the warehouse and the site"),
)


STEP_STAGES = {"ingest": "ingest", "dbt_models": "dbt", "quality_gates": "checks", "audit__quality_results": "checks",
               "site": "site", "published": "publish"}


def stage_of(step_key: str) -> str | None:
    return STEP_STAGES.get(step_key)


class _StageLines(logging.Handler):
    def __init__(self, stream):
        super().__init__(logging.DEBUG)
        self.stream, self.started, self.seen = stream, time.monotonic(), set()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None or event.event_type != dg.DagsterEventType.STEP_START:
            return
        stage = stage_of(event.step_key or "")
        if stage and stage not in self.seen:
            self.seen.add(stage)
            self.stream.write(f"[{time.monotonic() - self.started:6.1f} s] {dict(STAGES)[stage]}\n")
            self.stream.flush()


@dg.logger(description="One line as each stage of the run starts.")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.Logger("progress", logging.DEBUG)
    logger.addHandler(_StageLines(sys.stdout))
    return logger


def _materialized(result: dg.ExecuteInProcessResult):
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            yield materialization.asset_key, materialization.metadata


def closing_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """The optional sources not supplied, on one line, and the site's pages rendered and kept."""
    missing, lines = [], []
    for key, metadata in _materialized(result):
        files = metadata.get("files")
        if key.path[0] == "raw" and files is not None and not files.value and "rows_read" in metadata:
            missing.append(key.path[-1])
        if key.path == ["site"] and "pages_written" in metadata:
            written, rendered = metadata["pages_written"].value, metadata["pages_rendered"].value
            lines.append(f"pages: {written} in the site; {rendered} rendered in this run, {written - rendered} unchanged (kept from the cache)")
    if missing:
        lines.insert(0, f"optional sources not supplied ({len(missing)}): {', '.join(sorted(missing))}")
    return lines
