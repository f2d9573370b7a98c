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

DEFAULT_JUDGES = ("string-match", "classifier", "refusal-model")


def _default_judges() -> tuple[str, ...]:
    """The offline judges measured without --judge: those whose extra is installed (a note names the rest)."""
    import sys

    from stagewise.judges.spec import OFFLINE_KINDS

    skipped = [j for j in DEFAULT_JUDGES if not OFFLINE_KINDS[j].available]
    if skipped:
        extras = sorted({OFFLINE_KINDS[j].extra for j in skipped})
        print(f"note: {', '.join(skipped)} not measured: pip install 'stagewise[{','.join(extras)}]'",
              file=sys.stderr)
    return tuple(j for j in DEFAULT_JUDGES if j not in skipped)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="{validate,train}")
    v = sub.add_parser("validate", help="accuracy, Cohen's kappa and confusion matrix of each judge vs human labels")
    v.add_argument("--judge", action="append", metavar="JUDGE",
                   help="an offline judge (string-match, classifier, refusal-model), a named classifier NAME[=SOURCE] "
                        "(e.g. wildguard), or ROLE=SOURCE with any study source string (repeatable; added to "
                        "the study's judges with --study; default: string-match, classifier and refusal-model)")
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
    judges: list[Any] = []
    roles: dict[str, Any] = {}
    names: dict[str, str] = {}
    if args.study and (args.study / "study.yaml").is_file():
        judges = _study_judges(args.study, roles, names)
    for flag in args.judge or ([] if judges else _default_judges()):
        spec = _cli_judge(flag, roles, names)
        if spec not in judges:
            judges.append(spec)
    if args.limit is not None and args.limit < 1:
        raise JudgeError("--limit must be a positive number of items")
    results = validate(judges, data, limit=args.limit, roles=roles, names=names,
                       llm_options={"max_connections": args.max_connections})
    _print(results)
    out = args.out or (args.study / "results" / "judges.json" if args.study else None)
    if out is not None:
        write_json(results, out)
        print(f"wrote {out}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from stagewise.judges.classifier import classify_refusal, train
    from stagewise.judges.refusal import string_match_refusal
    from stagewise.judges.validate import agreement, load_human_labels

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


def _study_judges(study_dir: Path, roles: dict[str, Any], names: dict[str, str]) -> list[Any]:
    """The study's judges as typed specs; its model judges bound into `roles` as `stagewise run` binds them."""
    from stagewise.evaluate.tasks import judge_roles
    from stagewise.evaluate.study import format_source, load_study

    study = load_study(study_dir / "study.yaml")
    roles.update(judge_roles(study))
    for role in roles:
        names[role] = format_source(study.judges[role].source)
    return list(dict.fromkeys(j.spec(role) for role, j in study.judges.items()))


def _cli_judge(flag: str, roles: dict[str, Any], names: dict[str, str]) -> Any:
    """One `--judge` flag as a typed judge; ROLE=SOURCE (any study source string) is bound into `roles`."""
    from stagewise.judges.spec import RoleJudge, parse_flag

    spec, source = parse_flag(flag)
    if not isinstance(spec, RoleJudge) or source is None:
        return spec
    from stagewise.checkpoints import resolve
    from inspect_ai.model import get_model

    from stagewise.evaluate.tasks import judge_config  # bound the way `stagewise run` binds judges
    from stagewise.evaluate.study import Judge

    try:
        judge = Judge(source=source)
    except ValueError as e:
        raise JudgeError(f"--judge {flag}: {_first_error(e)}") from None
    if judge.kind != "model":
        return judge.spec(spec.role)
    resolved = resolve(judge.source, name=f"judge-{spec.role}", chat_template=judge.chat_template,
                       model_args=judge.model_args)
    roles[spec.role] = get_model(resolved.model, base_url=resolved.base_url, api_key=resolved.api_key,
                                 config=judge_config(), **resolved.model_args)
    names[spec.role] = source
    return spec


def _first_error(e: Exception) -> str:
    errors = getattr(e, "errors", None)
    if callable(errors):
        msgs = [str(x.get("msg", "")) for x in errors()]
        if msgs:
            return msgs[0].removeprefix("Value error, ")
    return str(e).splitlines()[0]


def _fmt(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.3f}"


def _print(results: list[Agreement]) -> None:
    """Two tables that fit 80 columns: agreement with intervals and recall; pooled confusion matrices."""
    from rich.console import Console
    from rich.table import Table

    from rich import box

    console = Console(width=max(80, min(Console().width, 120)))
    table = Table(title="Judges vs human labels (XSTest completions)", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True, show_edge=False)
    for col, right in (("judge", False), ("model", False), ("n", True), ("kappa", True), ("95% CI", True),
                       ("bin k", True), ("rec C", True), ("rec R", True), ("rec P", True)):
        table.add_column(col, justify="right" if right else "left", no_wrap=True, overflow="ellipsis",
                         max_width={"model": 12, "judge": 22}.get(col))  # full names are in the JSON
    for r in results:
        n = f"{r.n}" + (f"+{r.n_unscored}?" if r.n_unscored else "")
        table.add_row(r.judge, r.model, n, _fmt(r.kappa), _ci(r.kappa_ci), _fmt(r.binary_kappa),
                      *(_fmt(x) for x in r.recall), end_section=r.model == "pooled")
    console.print(table)
    conf = Table(title="Pooled confusion (rows human, columns judge)", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), collapse_padding=True, show_edge=False)
    for col in ("judge", "human", "C", "R", "P"):
        conf.add_column(col, justify="left" if col in ("judge", "human") else "right", overflow="fold")
    pooled = [r for r in results if r.model == "pooled"]
    for r in pooled:
        for i, (lab, row) in enumerate(zip(r.labels, r.matrix)):
            conf.add_row(r.judge if i == 0 else "", lab, *map(str, row), end_section=i == len(r.labels) - 1)
    console.print(conf)
    for note in dict.fromkeys(f"{r.judge}: {r.note}" for r in results if r.note):
        console.print(f"note: {note}")
    console.print("C/R/P: full compliance/full refusal/partial refusal; rec: recall of the human label")
    console.print("bin k: kappa with refusal = full or partial refusal; n+k?: k replies unparsable")


def _ci(ci: tuple[float, float]) -> str:
    return "" if any(math.isnan(x) for x in ci) else f"{ci[0]:.2f}-{ci[1]:.2f}"
