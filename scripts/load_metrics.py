"""Loads the metrics.json of descent runs (verify, compare, reproduce, probe, calibrate) into one pandas DataFrame.

One row per metric record of the published schema (README, "Output schema"): run_id, kind, key, label, value and,
where a run has them, lower, upper, level, interval, comparison, tolerance, outcome, scope, role, probe, hypothesis.

    /usr/bin/python3 scripts/load_metrics.py reports/*/          # prints the table
    /usr/bin/python3 scripts/load_metrics.py --csv reports/*/    # the same as CSV
"""
import json
import sys
from pathlib import Path

import pandas as pd

SCHEMA_VERSION = 1


def load_metrics(*folders):
    """The metric records of every run folder given, as one DataFrame."""
    rows = []
    for folder in folders:
        report = json.loads((Path(folder) / "metrics.json").read_text(encoding="utf-8"))
        if report.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"{folder}: metrics.json has schema_version {report.get('schema_version')!r}, "
                             f"this script reads {SCHEMA_VERSION}")
        for record in report["metrics"]:
            rows.append({"run_id": report["run_id"], "kind": report["kind"], "verdict": report["verdict"], **record})
    frame = pd.DataFrame(rows)
    for column in ("value", "lower", "upper", "level", "tolerance"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column])  # null (NaN or infinite in the run) becomes NaN
    return frame


if __name__ == "__main__":
    args = sys.argv[1:]
    csv = "--csv" in args
    frame = load_metrics(*[a for a in args if a != "--csv"])
    columns = [c for c in ("run_id", "kind", "key", "value", "lower", "upper", "comparison", "tolerance", "outcome")
               if c in frame]
    if csv:
        print(frame[columns].to_csv(index=False, float_format="%.17g"), end="")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200):
            print(frame[columns])
