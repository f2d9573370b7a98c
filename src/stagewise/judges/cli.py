"""`stagewise judges validate|train`: measure judges against human labels; rebuild the classifier.

    stagewise judges validate --data ../shared/data/xstest --judge string-match --judge classifier
    stagewise judges validate --study runs/demo            # the study's judges -> results/judges.json
    stagewise judges train --data completions_llama2new_human_labels.csv --eval completions_gpt4_human_labels.csv
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from stagewise.judges.validate import COMPLETIONS_GLOB, Agreement, JudgeError

DEFAULT_JUDGES = ("string-match", "classifier")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="{validate,train}")
    v = sub.add_parser("validate", help="accuracy, Cohen's kappa and confusion matrix of each judge vs human labels")
    v.add_argument("--judge", action="append", metavar="JUDGE",
                   help="string-match, classifier or ROLE=INSPECT_MODEL (repeatable; default: the study's judges "
                        "with --study, else string-match and classifier)")
    v.add_argument("--data", type=Path, help=f"folder (or file) of XSTest {COMPLETIONS_GLOB} "
                   "(default: $STAGEWISE_SHARED_DATA/xstest)")
    v.add_argument("--study", type=Path, metavar="STUDY_DIR", help="write STUDY_DIR/results/judges.json for the report")
    v.add_argument("--out", type=Path, metavar="FILE", help="write the JSON here (default with --study: results/judges.json)")
    v.add_argument("--limit", type=int, help="measure every judge on the same N random items (seed 0)")
    v.add_argument("--max-connections", type=int, default=8, help="concurrent calls per LLM judge (default 8)")
    t = sub.add_parser("train", help="fit the refusal classifier on one human-labelled completions file")
    t.add_argument("--data", type=Path, required=True, help="the training CSV (the shipped weights: llama2new)")
    t.add_argument("--eval", type=Path, action="append", default=[], help="held-out CSV(s) to report (repeatable)")
    t.add_argument("--input", choices=("response", "prompt+response"), default="response",
                   help="embed the response alone (default, shipped) or prompt and response together")
    t.add_argument("--C", type=float, default=1.0, help="inverse L2 strength (default 1.0)")
    t.add_argument("--out", type=Path, help="write the weights JSON here")


def run(args: argparse.Namespace) -> int:
    if args.action == "train":
        return _train(args)
    return _validate(args)


def _validate(args: argparse.Namespace) -> int:
    from stagewise.judges.validate import validate, write_json

    data = args.data or _default_data()
    judges, roles = list(args.judge or DEFAULT_JUDGES), {}
    if args.study and not args.judge:
        judges, roles = _study_judges(args.study)
    if args.limit is not None and args.limit < 1:
        raise JudgeError("--limit must be a positive number of items")
    results = validate(judges, data, limit=args.limit, roles=roles,
                       llm_options={"max_connections": args.max_connections})
    _print(results)
    out = args.out or (args.study / "results" / "judges.json" if args.study else None)
    if out is not None:
        write_json(results, out)
        print(f"wrote {out}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from stagewise.judges.classifier import classify_refusal, train
    from stagewise.judges.validate import agreement, load_human_labels, string_match_refusal

    w = train(args.data, input=args.input, C=args.C, out=args.out)
    print(f"trained on {args.data.name}: {len(w.coef[0])} features, C={w.C}, input={w.input}")
    results = []
    for path in args.eval:
        df = load_human_labels(path)
        human = list(df["label"])
        results.append(agreement("string-match", human, [string_match_refusal(r) for r in df["response"]],
                                 data=[path.name]))
        predicted: list[str | None] = list(classify_refusal(list(df["response"]), list(df["prompt"]), weights=w))
        results.append(agreement("classifier", human, predicted, data=[path.name],
                                 note=f"trained on {args.data.name}"))
    if results:
        _print(results)
    if args.out:
        print(f"wrote {args.out}")
    return 0


def _default_data() -> Path:
    shared = os.environ.get("STAGEWISE_SHARED_DATA")
    if shared and (Path(shared) / "xstest").is_dir():
        return Path(shared) / "xstest"
    raise JudgeError(f"pass --data: a folder of XSTest's human-labelled {COMPLETIONS_GLOB} "
                     "(github.com/paul-rottger/xstest, model_completions/)")


def _study_judges(study_dir: Path) -> tuple[list[str], dict[str, Any]]:
    """The study's judges: string-match by name, model judges as roles bound like `stagewise run` does."""
    from stagewise.evaluate.runner import judge_roles
    from stagewise.evaluate.study import load_study

    study = load_study(study_dir / "study.yaml")
    roles = judge_roles(study)
    names = ["string-match" if role not in roles else role for role in study.judges]
    return list(dict.fromkeys(names)), roles


def _fmt(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.3f}"


def _print(results: list[Agreement]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Judges vs human labels (XSTest completions)")
    table.add_column("judge", no_wrap=True)
    for col in ("n", "unscored", "accuracy", "kappa", "binary acc", "binary kappa"):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(r.judge, str(r.n), str(r.n_unscored), _fmt(r.accuracy), _fmt(r.kappa),
                      _fmt(r.binary_accuracy), _fmt(r.binary_kappa))
    conf = Table(title="Confusion matrices (rows: human label, columns: judge label)")
    conf.add_column("judge", no_wrap=True)
    conf.add_column("human", no_wrap=True)
    for lab in results[0].labels:
        conf.add_column(lab, justify="right")
    for r in results:
        for i, (lab, row) in enumerate(zip(r.labels, r.matrix)):
            conf.add_row(r.judge if i == 0 else "", lab, *map(str, row), end_section=i == len(r.labels) - 1)
    console = Console()
    console.print(table)
    console.print(conf)
    for note in dict.fromkeys(r.note for r in results if r.note):
        console.print(f"note: {note}")
    console.print("binary: refusal = full or partial refusal")
