"""The dbt documentation as build tables, for the model documentation pages (site/pages/models/).

Read from dbt's manifest (`dbt/target/manifest.json`, which `dbt parse` writes and Dagster
loads) and, like dbt's catalog, from the warehouse's own column list. Temp tables:

- ``site_models(model_id, unique_id, resource_type, layer, layer_order, relation, name,
  description, materialized, file_path, in_warehouse)``: every source, seed and model;
  `model_id` (`<schema>-<name>`) is its page address under models/.
- ``site_model_columns(model_id, position, column_name, data_type, description, tests)``:
  columns the warehouse has, and any the dbt .yml declares; `tests` names its dbt tests.
- ``site_model_lineage(model_id, upstream_id)``: one row per "is built from" edge.
- ``site_model_tests(model_id, test)``: the dbt tests of a model or source as a whole.
"""

from __future__ import annotations

import json
from pathlib import Path

LAYERS = {"source": (1, "Sources (raw tables loaded from files)"), "seed": (2, "Seeds (reference tables kept in dbt)"),
          "staging": (3, "Staging views"), "intermediate": (4, "Intermediate models"), "marts": (5, "Marts (published)")}
_KINDS = ("source", "seed", "model")


def _layer(node: dict) -> str:
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    return node["schema"] if node["schema"] in LAYERS else node["fqn"][1]


def _accepted(values: list) -> str:
    return f"accepted values ({', '.join(map(str, values))})"


def _test_name(test: dict) -> str:
    meta = test.get("test_metadata") or {}
    name = meta.get("name") or test["name"]
    kwargs = meta.get("kwargs") or {}
    if name == "accepted_values" and kwargs.get("values"):
        return _accepted(kwargs["values"])
    if name == "relationships" and kwargs.get("field"):
        to = str(kwargs.get("to", "")).replace("ref('", "").replace("')", "")
        return f"relationship to {to}.{kwargs['field']}"
    return name.replace("_", " ")


def load(manifest_path: Path) -> dict:
    if not manifest_path.is_file():
        raise ValueError(f"{manifest_path} not found: run `dbt parse` in dbt/ (make run and make test do)")
    return json.loads(manifest_path.read_text(encoding="utf-8"))


def register(con, manifest_path: Path) -> int:
    """Create the build tables from the manifest; return the number of documented nodes."""
    manifest = load(manifest_path)
    nodes = {k: v for k, v in {**manifest["nodes"], **manifest["sources"]}.items() if v["resource_type"] in _KINDS}
    ids = {k: f"{v['schema']}-{v['name']}" for k, v in nodes.items()}
    warehouse_columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, kind in con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "order by table_schema, table_name, ordinal_position"
    ).fetchall():
        warehouse_columns.setdefault((schema, table), []).append((column, kind))
    column_tests: dict[tuple[str, str], list[str]] = {}
    model_tests = []
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test" or test.get("attached_node") not in ids:
            continue
        model_id = ids[test["attached_node"]]
        meta = test.get("test_metadata") or {}
        if meta.get("name") == "not_null_columns":  # one test for several columns: "not null", accepted values
            for column in meta["kwargs"]["columns"]:
                column_tests.setdefault((model_id, column), []).append("not null")
            for column, values in (meta["kwargs"].get("accepted_values") or {}).items():
                column_tests.setdefault((model_id, column), []).append(_accepted(values))
        elif test.get("column_name"):
            column_tests.setdefault((model_id, test["column_name"]), []).append(_test_name(test))
        else:
            model_tests.append((model_id, _test_name(test)))
    models, columns, lineage = [], [], []
    for key, node in nodes.items():
        model_id, layer = ids[key], _layer(node)
        in_warehouse = (node["schema"], node["name"]) in warehouse_columns
        models.append((model_id, key, node["resource_type"], layer, LAYERS.get(layer, (9, layer))[0],
                       f"{node['schema']}.{node['name']}", node["name"], node.get("description") or "",
                       (node.get("config") or {}).get("materialized") or node["resource_type"],
                       node.get("original_file_path") or "", in_warehouse))
        declared = node.get("columns") or {}
        present = warehouse_columns.get((node["schema"], node["name"]), [])
        names = [c for c, _ in present] + [c for c in declared if c not in {n for n, _ in present}]
        kinds = dict(present)
        for position, name in enumerate(names, 1):
            described = (declared.get(name) or {}).get("description") or ""
            tests = "; ".join(sorted(column_tests.get((model_id, name), [])))
            columns.append((model_id, position, name, kinds.get(name, ""), described, tests))
        for upstream in (node.get("depends_on") or {}).get("nodes", []):
            if upstream in ids:
                lineage.append((model_id, ids[upstream]))
    _table(con, "site_models", "model_id varchar, unique_id varchar, resource_type varchar, layer varchar, "
           "layer_order integer, relation varchar, name varchar, description varchar, materialized varchar, "
           "file_path varchar, in_warehouse boolean", models)
    _table(con, "site_model_columns", "model_id varchar, position integer, column_name varchar, data_type varchar, "
           "description varchar, tests varchar", columns)
    _table(con, "site_model_lineage", "model_id varchar, upstream_id varchar", sorted(set(lineage)))
    _table(con, "site_model_tests", "model_id varchar, test varchar", sorted(set(model_tests)))
    return len(models)


def _table(con, name: str, columns: str, rows: list[tuple]) -> None:
    con.execute(f"create or replace temp table {name} ({columns})")
    if rows:
        cols = [list(c) for c in zip(*rows)]
        con.execute(f"insert into {name} select {', '.join(f'unnest(${i + 1})' for i in range(len(cols)))}", cols)
