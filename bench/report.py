#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Renders what bench/run.py collected into the files of bench/results/.

Input (the run directory bench/run.py fills): rows.jsonl, one JSON object
per line written by bench/record.py (figures, series, conditions), and
meta.json (date, commit, host, QEMU version, parts run and their times).
Output, into OUT:
  report.md    every figure with its conditions, exact command lines,
               runs, min/median on both sides, the ratio, the target and
               whether this run reached it; the plots inline
  figures.csv  one row per figure (both sides' statistics and the ratio)
  runs.csv     one row per measured run (the raw values)
  series.csv   the points of every series
  <plot>.png   a bar plot per plot group (Mosaic beside the baseline,
               medians) and a line plot per series, drawn with gnuplot
               when it is installed (tools/deps bench installs it)
Usage: bench/report.py RUN_DIR OUT_DIR
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIG_FIELDS = ("part", "figure", "unit", "better", "mosaic_n", "mosaic_min",
              "mosaic_median", "mosaic_max", "baseline", "baseline_n",
              "baseline_min", "baseline_median", "baseline_max", "ratio",
              "target", "met", "note")


def load(run_dir):
    rows = []
    path = os.path.join(run_dir, "rows.jsonl")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError as e:
                    sys.exit(f"report.py: {path}:{n}: {e}")
    with open(os.path.join(run_dir, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return meta, rows


def num(v):
    """A figure as people read it: 3 significant digits, no exponent."""
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1000 or v == int(v):
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def side(s):
    if s is None:
        return "-"
    if s["n"] == 1:
        return num(s["min"])
    return f"{num(s['min'])} / {num(s['median'])}"


def ratio_text(f):
    r = f["ratio"]
    if r is None:
        return "-"
    # Say which way the ratio reads: "2.1x (higher is better)".
    good = (r > 1) == (f["better"] == "higher")
    return f"{r:.2f}x " + ("better" if good and r != 1 else
                           "worse" if r != 1 else "same")


def met_text(f):
    return {True: "yes", False: "**no**", None: "-"}[f["met"]]


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "plot"


def gnuplot_bars(out, name, figs):
    """Clustered bars: one cluster per figure, Mosaic and baseline medians,
    normalised to the baseline (1.0) when there is one so that figures of
    different units share an axis; else absolute in the first unit."""
    data = os.path.join(out, f".{name}.dat")
    normalise = all(f["baseline"] for f in figs)
    if not normalise:
        # Absolute values share an axis only within one unit.
        units = [f["unit"] for f in figs]
        unit = max(set(units), key=units.count)
        figs = [f for f in figs if f["unit"] == unit]
    with open(data, "w", encoding="utf-8") as d:
        for f in figs:
            b = f["baseline"]["median"] if f["baseline"] else 0
            m = f["mosaic"]["median"]
            label = f["name"].replace('"', "'")
            if normalise:
                d.write(f'"{label}" {m / b if b else 0} 1\n')
            else:
                d.write(f'"{label}" {m} {b}\n')
    ylabel = ("median, relative to the baseline (= 1)" if normalise
              else figs[0]["unit"])
    base = figs[0]["baseline_name"] if figs[0]["baseline"] else "baseline"
    script = f"""set terminal pngcairo size 1000,560 font ",10"
set output "{os.path.join(out, name + '.png')}"
set title "{name}: Mosaic and {base} (medians)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel "{ylabel}"
set yrange [0:*]
set grid ytics
set xtics rotate by -25 left noenhanced
set key top right
plot "{data}" using 2:xtic(1) title "Mosaic", "" using 3 title "{base}"
"""
    return script, data


def gnuplot_series(out, name, s):
    datas, plots = [], []
    for i, (label, pts) in enumerate(sorted(s["lines"].items())):
        data = os.path.join(out, f".{name}.{i}.dat")
        with open(data, "w", encoding="utf-8") as d:
            for x, y in pts:
                d.write(f"{x} {y}\n")
        datas.append(data)
        plots.append(f'"{data}" using 1:2 with linespoints title '
                     f'"{label}" noenhanced')
    script = f"""set terminal pngcairo size 1000,560 font ",10"
set output "{os.path.join(out, name + '.png')}"
set title "{s['name']}" noenhanced
set xlabel "{s['xlabel']}" noenhanced
set ylabel "{s['ylabel']}" noenhanced
set grid
set key top left
plot {', '.join(plots)}
"""
    return script, datas


def draw(out, figures, series):
    """The PNGs; returns {plot name: file name} of those drawn, and why
    none were when gnuplot is missing or fails."""
    groups = {}
    for f in figures:
        if f.get("plot"):
            groups.setdefault(f["plot"], []).append(f)
    jobs = [(name, *gnuplot_bars(out, name, figs))
            for name, figs in groups.items()]
    for s in series:
        name = f"{s['part']}-{slug(s['name'])}"
        script, datas = gnuplot_series(out, name, s)
        jobs.append((name, script, datas))
    drawn, why = {}, None
    gp = shutil.which("gnuplot")
    for name, script, datas in jobs:
        if gp is None:
            why = "gnuplot is not installed (tools/deps bench installs it)"
        else:
            r = subprocess.run([gp], input=script, text=True,
                               capture_output=True)
            if r.returncode == 0 and os.path.exists(
                    os.path.join(out, name + ".png")):
                drawn[name] = name + ".png"
            else:
                why = f"gnuplot failed on {name}: {r.stderr.strip()[:200]}"
        for d in datas if isinstance(datas, list) else [datas]:
            os.unlink(d)
    return drawn, why


def write_csvs(out, figures, series):
    with open(os.path.join(out, "figures.csv"), "w", newline="",
              encoding="utf-8") as fp:
        w = csv.writer(fp)
        w.writerow(FIG_FIELDS)
        for f in figures:
            m, b = f["mosaic"], f["baseline"] or {}
            w.writerow([f["part"], f["name"], f["unit"], f["better"],
                        m["n"], m["min"], m["median"], m["max"],
                        f["baseline_name"] if f["baseline"] else "",
                        b.get("n", ""), b.get("min", ""),
                        b.get("median", ""), b.get("max", ""),
                        "" if f["ratio"] is None else f"{f['ratio']:.4f}",
                        f["target"] or "",
                        "" if f["met"] is None else str(f["met"]).lower(),
                        f["note"]])
    with open(os.path.join(out, "runs.csv"), "w", newline="",
              encoding="utf-8") as fp:
        w = csv.writer(fp)
        w.writerow(("part", "figure", "unit", "who", "run", "value"))
        for f in figures:
            for who, s in (("mosaic", f["mosaic"]),
                           (f["baseline_name"], f["baseline"])):
                for i, v in enumerate((s or {}).get("runs", []), 1):
                    w.writerow((f["part"], f["name"], f["unit"], who, i, v))
    with open(os.path.join(out, "series.csv"), "w", newline="",
              encoding="utf-8") as fp:
        w = csv.writer(fp)
        w.writerow(("part", "series", "line", "x", "y"))
        for s in series:
            for label, pts in sorted(s["lines"].items()):
                for x, y in pts:
                    w.writerow((s["part"], s["name"], label, x, y))


def markdown(meta, figures, series, conditions, drawn, why):
    L = []
    add = L.append
    kind = "smoke run (Mosaic only, tiny loads: the figures mean nothing)" \
        if meta.get("smoke") else "benchmark run"
    add(f"# Mosaic benchmarks, {meta['date']}")
    add("")
    add(f"A {kind} of `{meta['command']}` at commit `{meta['commit']}`.")
    add("")
    add(f"- Host: {meta['host']}")
    add(f"- QEMU: {meta['qemu']}; accelerator: {meta['accel']}")
    add(f"- Parts: " + ", ".join(
        f"{p['name']} ({p['seconds']:.0f} s"
        + ("" if p["rc"] == 0 else f", **exit {p['rc']}**") + ")"
        for p in meta["parts"]) + f"; total {meta['seconds'] / 60:.1f} min")
    add("- Every figure is from runs made in this one run of the script, "
        "Mosaic and the baseline alternating under the same QEMU command "
        "line; cells read `min / median` over the runs (one value: one "
        "run). The ratio is Mosaic's median over the baseline's; "
        "*better*/*worse* reads it with the figure's direction. Figures "
        "in instructions come from `-icount shift=0,sleep=off` and "
        "repeat exactly; wall-clock figures vary with the machine's load.")
    add("")
    add("## Summary")
    add("")
    add("| part | figure | Mosaic | baseline | ratio | target | met |")
    add("|---|---|---|---|---|---|---|")
    for f in figures:
        add(f"| {f['part']} | {f['name']} ({f['unit']}) | "
            f"{side(f['mosaic'])} | "
            + (f"{side(f['baseline'])} ({f['baseline_name']})"
               if f["baseline"] else "-")
            + f" | {ratio_text(f)} | {f['target'] or '-'} | {met_text(f)} |")
    add("")
    if why:
        add(f"No plots: {why}.")
        add("")
    for p in meta["parts"]:
        part = p["name"]
        add(f"## {part}")
        add("")
        add(f"`{p['command']}`: {p['seconds']:.0f} s, exit {p['rc']}.")
        add("")
        for c in conditions.get(part, []):
            add(f"- {c}")
        if conditions.get(part):
            add("")
        mine = [f for f in figures if f["part"] == part]
        if not mine:
            add("No figures were recorded (see the log).")
            add("")
            continue
        add("| figure | Mosaic runs | baseline runs | ratio | target | met |")
        add("|---|---|---|---|---|---|")
        for f in mine:
            b = f["baseline"]
            add(f"| {f['name']} ({f['unit']}, {f['better']} is better) | "
                + ", ".join(num(v) for v in f["mosaic"]["runs"]) + " | "
                + (f"{f['baseline_name']}: "
                   + ", ".join(num(v) for v in b["runs"]) if b else "-")
                + f" | {ratio_text(f)} | {f['target'] or '-'} | "
                f"{met_text(f)} |")
        add("")
        notes = []
        for f in mine:
            if f["note"] and f["note"] not in notes:
                notes.append(f["note"])
        for n in notes:
            add(f"- {n}")
        if notes:
            add("")
        # Each command line once, however many figures it produced.
        cmds = []
        for f in mine:
            for label, cmd in f["commands"].items():
                cmd = cmd.replace(ROOT + "/", "")
                if (label, cmd) not in cmds:
                    cmds.append((label, cmd))
        if cmds:
            add("Command lines (paths relative to the repository):")
            add("")
            for label, cmd in cmds:
                add(f"- {label}:")
                add("")
                add("  ```")
                add(f"  {cmd}")
                add("  ```")
            add("")
        plots = sorted({f["plot"] for f in mine if f.get("plot")})
        plots += [f"{part}-{slug(s['name'])}" for s in series
                  if s["part"] == part]
        for name in plots:
            if name in drawn:
                add(f"![{name}]({drawn[name]})")
                add("")
    return "\n".join(L) + "\n"


def render(run_dir, out):
    meta, rows = load(run_dir)
    figures = [r for r in rows if r.get("type") == "figure"]
    series = [r for r in rows if r.get("type") == "series"]
    conditions = {}
    for r in rows:
        if r.get("type") == "condition":
            conditions.setdefault(r["part"], []).append(r["text"])
    os.makedirs(out, exist_ok=True)
    write_csvs(out, figures, series)
    drawn, why = draw(out, figures, series)
    with open(os.path.join(out, "report.md"), "w", encoding="utf-8") as f:
        f.write(markdown(meta, figures, series, conditions, drawn, why))
    return figures, series, drawn, why


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench/report.py RUN_DIR OUT_DIR")
    render(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
