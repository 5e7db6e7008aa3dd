# SPDX-License-Identifier: MIT
"""Figures for bench/run.py's report.

Each bench script measures and prints as it likes, and also hands every
figure it wants in the report to figure() (a value of Mosaic's beside the
baseline's, from runs made side by side) or series() (points for a line
plot). When bench/run.py runs the script it sets MOSAIC_BENCH_ROWS to a
file; the calls append one JSON object per line to it, which
bench/report.py turns into the Markdown report, the CSV and the plots.
Run alone, without the variable, the calls only check their arguments.
"""
import json
import os
import statistics

ENV = "MOSAIC_BENCH_ROWS"
BETTER = ("higher", "lower")


def _runs(values, what):
    if values is None:
        return None
    if isinstance(values, (int, float)):
        values = [values]
    values = [float(v) for v in values]
    if not values:
        raise ValueError(f"{what}: no runs")
    return values


def _stats(values):
    if values is None:
        return None
    return {"runs": values, "n": len(values), "min": min(values),
            "max": max(values), "median": statistics.median(values)}


def _emit(row):
    path = os.environ.get(ENV)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, sort_keys=True) + "\n")


def figure(part, name, unit, mosaic, baseline=None, *, better="higher",
           baseline_name="Linux", target=None, met=None, commands=None,
           note="", plot=None):
    """One figure of the report.

    part      the bench part (boot, http, ...), a section of the report
    name      what was measured, e.g. "requests/s, 612-byte page"
    unit      e.g. "req/s", "s", "bytes", "instructions"
    mosaic    Mosaic's value, or the list of its runs
    baseline  the baseline's value or runs measured in the same run of the
              script, or None when there is nothing to compare with
    better    "higher" or "lower": which way is better, for the ratio's
              reading (the ratio itself is always mosaic / baseline)
    target    the issue's target in words, e.g. "3x Linux"; met says
              whether this run reached it (True/False), None if unknown
    commands  {label: exact command line} of what produced the runs
    note      conditions worth printing next to the figure
    plot      the name of a bar plot this figure belongs to, or None
    """
    if better not in BETTER:
        raise ValueError(f"better must be one of {BETTER}")
    m = _stats(_runs(mosaic, name))
    b = _stats(_runs(baseline, name))
    ratio = None
    if b is not None and b["median"]:
        ratio = m["median"] / b["median"]
    _emit({"type": "figure", "part": part, "name": name, "unit": unit,
           "mosaic": m, "baseline": b, "baseline_name": baseline_name,
           "ratio": ratio, "better": better, "target": target, "met": met,
           "commands": dict(commands or {}), "note": note, "plot": plot})
    return ratio


def series(part, name, xlabel, ylabel, lines, note=""):
    """Points for a line plot: lines is {label: [(x, y), ...]}."""
    clean = {}
    for label, points in lines.items():
        clean[label] = [[float(x), float(y)] for x, y in points]
        if not clean[label]:
            raise ValueError(f"{name}: {label} has no points")
    _emit({"type": "series", "part": part, "name": name, "xlabel": xlabel,
           "ylabel": ylabel, "lines": clean, "note": note})


def condition(part, text):
    """A line about how a part ran (QEMU line, versions), for its section."""
    _emit({"type": "condition", "part": part, "text": text})
