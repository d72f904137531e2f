"""Benchmark: load and check the plan-samenleven questionnaire and build its codebook.

Baseline, measured in the same run: plain ``yaml.safe_load`` of the same file
(parsing only, no line numbers, no checks). Prints best-of-N times and ratios.

    .venv/bin/python bench/bench_questionnaire.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from intake.questionnaire import codebook, from_definition, load_text

FILE = Path(__file__).resolve().parents[1] / "questionnaires" / "plan-samenleven-2025.yaml"


def measure(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    text = FILE.read_text(encoding="utf-8")
    result = load_text(text, str(FILE))

    cases: dict[str, Callable[[], object]] = {
        "baseline yaml.safe_load": lambda: yaml.safe_load(text),
        "load + check (YAML file)": lambda: load_text(text, str(FILE)),
        "rebuild from stored JSON": lambda: from_definition(result.definition),
        "codebook": lambda: codebook(result.questionnaire),
        "load + check + codebook": lambda: codebook(load_text(text, str(FILE)).questionnaire),
    }
    figures = {name: measure(fn, args.repeat) for name, fn in cases.items()}
    base_best = figures["baseline yaml.safe_load"][0]
    print(f"{FILE.name}: {len(text)} bytes, {len(codebook(result.questionnaire))} variables")
    print(f"{'case':<28} {'best ms':>9} {'median ms':>10} {'× baseline':>11}")
    for name, (best, median) in figures.items():
        print(f"{name:<28} {best * 1000:9.2f} {median * 1000:10.2f} {best / base_best:11.2f}")


if __name__ == "__main__":
    main()
