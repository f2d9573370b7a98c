"""`stagewise logs ...`: ingest, scrub, embed, cluster, name, sample and report user logs.

    stagewise logs ingest LOGS... --out DIR      # JSONL/Parquet/CSV or hub:wildchat / hub:lmsys
    stagewise logs embed DIR                     # packaged all-MiniLM, or --model NAME
    stagewise logs cluster DIR [--k 200]         # k-means + hierarchy + c-TF-IDF names
    stagewise logs name DIR --model openai/...   # optional: model-written names
    stagewise logs report DIR [--k-min 25] [--show-text]
    stagewise logs sample DIR -n 500 [--stratify]   # -> JSONL for the user_logs benchmark
    stagewise logs compare STUDY_DIR             # after `stagewise run`: per-cluster rates, differences
    stagewise logs scrub [TEXT] | --eval         # scrub stdin/TEXT, or measure recall
                                                 # (--names heuristic | spacy | spacy:PATH | off)
    stagewise logs synth OUT.jsonl -n 50000      # a seeded synthetic log to try it on
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from stagewise.userlogs.report import DEFAULT_K_MIN


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="logs_command", required=True, metavar="STEP")
    p = sub.add_parser("ingest", help="read, normalise, scrub and dedupe logs into DIR (resumable)")
    p.add_argument("inputs", nargs="+", help="files, folders, or hub:wildchat / hub:lmsys / hub:ORG/NAME")
    p.add_argument("--out", type=Path, required=True, help="ingest folder (reruns resume it)")
    p.add_argument("--shard-size", type=int, default=10_000)
    p.add_argument("--max-chars", type=int, default=100_000, help="drop conversations with a longer turn")
    p.add_argument("--near-distance", type=int, default=3, help="SimHash bits for near duplicates (0 = exact only)")
    _add_names(p)
    p.add_argument("--limit", type=int, default=None, help="read at most this many records")
    p.add_argument("--force", action="store_true", help="start over instead of resuming")
    p = sub.add_parser("embed", help="embed the scrubbed prompts (resumable)")
    p.add_argument("dir", type=Path)
    p.add_argument("--model", default="minilm", help="'minilm' (packaged) or a sentence-transformers name/path")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-tokens", type=int, default=128, help="truncate prompts to this many tokens")
    p.add_argument("--dtype", choices=["auto", "float32", "bfloat16"], default="auto",
                   help="auto = bfloat16 where the CPU has native bf16, else float32")
    p.add_argument("--ray-address", default=None, help="run on Ray Data: 'auto', 'local' or ray://HOST:PORT")
    p = sub.add_parser("cluster", help="k-means topics, a hierarchy above, c-TF-IDF names")
    p.add_argument("dir", type=Path)
    p.add_argument("--k", type=int, default=None, help="base clusters (default: ~200 conversations each)")
    p.add_argument("--top-k", type=int, default=None, help="parent clusters (default: sqrt(k))")
    p.add_argument("--model", default="minilm", help="the embedding model used by `embed`")
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("name", help="name clusters with a model (contrastive examples)")
    p.add_argument("dir", type=Path)
    p.add_argument("--model", required=True, help="an Inspect model string, e.g. openai/gpt-4o-mini")
    p.add_argument("--k-min", type=int, default=DEFAULT_K_MIN)
    p = sub.add_parser("report", help="topic table; clusters below k are never shown")
    p.add_argument("dir", type=Path)
    p.add_argument("--k-min", type=int, default=DEFAULT_K_MIN, help="smallest cluster shown (k-anonymity)")
    p.add_argument("--show-text", action="store_true", help="include scrubbed example prompts")
    p = sub.add_parser("sample", help="seeded sample to replay (the user_logs data_path)")
    p.add_argument("dir", type=Path)
    p.add_argument("-n", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stratify", action="store_true", help="proportional quotas per cluster")
    p.add_argument("--out", type=Path, default=None)
    p = sub.add_parser("compare", help="per-cluster rates and rung differences of a run study's user_logs")
    from stagewise.userlogs.breakdown import add_arguments as add_compare

    add_compare(p)
    p = sub.add_parser("scrub", help="scrub TEXT (or stdin); --eval measures recall on the labelled set")
    p.add_argument("text", nargs="?", default=None)
    p.add_argument("--eval", nargs="?", const="packaged", default=None, metavar="JSONL",
                   help="score the scrubber on a labelled JSONL (default: the packaged set)")
    p.add_argument("--threshold", type=_score, default=None, metavar="SCORE",
                   help="lowest Presidio score masked (default 0.3; see docs/userlogs.md)")
    _add_names(p)
    p = sub.add_parser("synth", help="write a seeded synthetic log (for trying the pipeline)")
    p.add_argument("out", type=Path)
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)


def _score(value: str) -> float:
    try:
        score = float(value)
    except ValueError:
        score = -1.0
    if not 0.0 <= score <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a score; give a number from 0 to 1 (default 0.3)")
    return score


def _names_value(value: str) -> str:
    """Check the form of a --names value (whether its pipeline loads is checked when it is used)."""
    from stagewise.userlogs._names import NamesError, check_form

    try:
        check_form(value)
    except NamesError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return value


def _add_names(p: argparse.ArgumentParser) -> None:
    p.add_argument("--names", type=_names_value, default="auto", metavar="RECOGNISER",
                   help="person names: auto (spaCy + en_core_web_sm if installed, else heuristic), heuristic, "
                        "off, spacy (= spacy:en_core_web_sm), or spacy:PACKAGE / spacy:PIPELINE_DIR (nlp.to_disk)")


def run(args: argparse.Namespace) -> int:
    step = args.logs_command
    if step == "ingest":
        from stagewise.userlogs.ingest import IngestConfig, ingest

        out = ingest(IngestConfig(inputs=[str(i) for i in args.inputs], out_dir=args.out, shard_size=args.shard_size,
                                  max_chars=args.max_chars, near_distance=args.near_distance, names=args.names,
                                  limit=args.limit), force=args.force)
        m = json.loads((out / "manifest.json").read_text())
        print(f"{m['records']} records: kept {m['kept']}, dropped {sum(m['dropped'].values())} {m['dropped']}")
        print(f"personal data replaced: {m['personal_data_replaced']}")
        for b in m["bad_lines"][:10]:
            print(f"  skipped {b['file']}:{b['line']} ({b['reason']})")
        print(f"wrote {out}/manifest.json")
    elif step == "embed":
        from stagewise.userlogs.embed import embed

        out = embed(args.dir, args.model, args.batch_size, args.max_tokens, args.ray_address, dtype=args.dtype)
        print(f"wrote {out}")
    elif step == "cluster":
        from stagewise.userlogs.cluster import cluster

        print(f"wrote {cluster(args.dir, args.k, args.top_k, args.model, args.seed)}")
    elif step == "name":
        from stagewise.userlogs.naming import name_clusters

        print(f"wrote {name_clusters(args.dir, args.model, args.k_min)}")
    elif step == "report":
        from stagewise.userlogs.report import write_report

        path = write_report(args.dir, args.k_min, args.show_text)
        print(path.read_text(), end="")
        print(f"wrote {path}")
    elif step == "sample":
        from stagewise.userlogs.sample import sample

        print(f"wrote {sample(args.dir, args.n, args.seed, args.stratify, args.out)}")
    elif step == "compare":
        from stagewise.userlogs.breakdown import main as breakdown

        path = breakdown(args.study_dir, args.min_items)
        print(path.read_text(), end="")
        print(f"wrote {path}")
    elif step == "scrub":
        return _scrub(args)
    elif step == "synth":
        from stagewise.userlogs.synthetic import write_synthetic

        print(f"wrote {write_synthetic(args.out, args.n, args.seed)}")
    return 0


def _scrub(args: argparse.Namespace) -> int:
    if args.eval is not None:
        from stagewise.userlogs.scrub_eval import evaluate_scrubber

        e = evaluate_scrubber(None if args.eval == "packaged" else Path(args.eval), args.names, args.threshold)
        for k in e.kinds:
            print(k.line())
        lo, hi = e.structured_interval
        print(f"structured kinds recall {e.structured_recall:.4f} [{lo:.3f}, {hi:.3f}]; precision {e.precision:.4f} "
              f"({e.true_positives}/{e.detections} detections)")
        return 0
    from stagewise.userlogs._recognisers import DEFAULT_THRESHOLD
    from stagewise.userlogs.scrub import scrub

    text = args.text if args.text is not None else sys.stdin.read()
    print(scrub(text, args.names, DEFAULT_THRESHOLD if args.threshold is None else args.threshold)[0])
    return 0
