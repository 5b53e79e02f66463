"""How quickly, and in how much memory, an oversized boundary file is refused (issue 11, case 6).

Writes a GeoJSON of the 25 May-2023 wards with N random points per ward (56,000 by default:
the file that once took the site step past 8 GB), reads it with the pipeline's reader in a fresh
process and prints the outcome, seconds and peak RSS (with the figure after imports).
Run: .venv/bin/python benchmarks/hostile_boundaries.py [--points 56000]
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from dagster_project.defs.ingest.reader import IngestError, read_file
from dagster_project.defs.ingest.registry import load_registry
source = load_registry()["boundaries_ward23"]
after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
try:
    load = read_file(source, Path(sys.argv[1]))
    outcome = f"loaded {load.rows_loaded} features"
except IngestError as error:
    outcome = f"refused: {str(error)[:150]}"
print(outcome)
print(f"{time.perf_counter() - started:.1f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
      f"({after_imports:.0f} MB after imports)")
"""


def write(path: Path, points: int) -> None:
    random.seed(11)
    features = []
    for i in range(25):
        ring = [[-2.7 + random.random() / 10, 53.5 + random.random() / 10] for _ in range(points)]
        properties = {"area_code": f"E0501{5000 + i}", "area_name": f"Ward {i}", "lat": 53.5, "lon": -2.7, "area": 1.0,
                      "area_units": "km2", "local_authority_area_code": "E08000010", "local_authority_area_name": "Wigan"}
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=56_000, help="random points per ward")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)  # the file is made in its own process
    args = parser.parse_args()
    if args.write:
        return write(args.write, args.points)
    with tempfile.TemporaryDirectory() as folder:  # peak RSS is inherited across fork: keep this process small
        path = Path(folder) / "wards2023_hostile.geojson"
        subprocess.run([sys.executable, __file__, "--points", str(args.points), "--write", str(path)], check=True)
        print(f"{path.stat().st_size / 1e6:.1f} MB, 25 wards x {args.points:,} points")
        subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True, cwd=Path(__file__).parents[1])


if __name__ == "__main__":
    main()
