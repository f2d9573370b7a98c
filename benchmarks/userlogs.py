"""Speed and memory of the user-log pipeline: ingest + scrub + dedupe + embed + cluster.

    OMP_NUM_THREADS=2 python benchmarks/userlogs.py --n 50000
    OMP_NUM_THREADS=2 python benchmarks/userlogs.py --n 200000 [--no-embed]

Generates a seeded synthetic log (`stagewise.userlogs.synthetic`: realistic lengths, injected
personal data, duplicates; generation is not timed), then times each stage in this process
and reports peak RSS (the process high-water mark, `ru_maxrss`). Prints the machine load
before and after, since the numbers are only meaningful with it. Last line:
`RESULT userlogs_<N>k_seconds=<s> peak_rss_mb=<m>`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None, help="keep files here (default: a temp dir, removed)")
    ap.add_argument("--no-embed", action="store_true", help="skip embedding and clustering (ingest only)")
    ap.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    args = ap.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    from stagewise.userlogs.cluster import cluster, load_clusters
    from stagewise.userlogs.embed import embed
    from stagewise.userlogs.ingest import IngestConfig, ingest
    from stagewise.userlogs.synthetic import write_synthetic

    work = args.workdir or Path(tempfile.mkdtemp(prefix="userlogs-bench-"))
    print(f"load average at start: {os.getloadavg()}; cpus {os.cpu_count()}; torch threads {torch.get_num_threads()}")
    t = time.perf_counter()
    log = write_synthetic(work / "log.jsonl", args.n, args.seed)
    print(f"synthetic log: {args.n} conversations, {log.stat().st_size / 1e6:.0f} MB, "
          f"{time.perf_counter() - t:.1f}s (not timed)")
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    out = ingest(IngestConfig(inputs=[str(log)], out_dir=work / "ingest", progress=False), force=True)
    stages["ingest+scrub+dedupe"] = time.perf_counter() - t0
    import json

    m = json.loads((out / "manifest.json").read_text())
    print(f"ingest: kept {m['kept']}, dropped {m['dropped']}, replaced {m['personal_data_replaced']}; "
          f"{stages['ingest+scrub+dedupe']:.1f}s, peak RSS so far {rss_mb():.0f} MB")
    if not args.no_embed:
        t = time.perf_counter()
        embed(out, progress=False, dtype=args.dtype)
        stages["embed"] = time.perf_counter() - t
        print(f"embed: {m['kept']} prompts in {stages['embed']:.1f}s = {m['kept'] / stages['embed']:.0f}/s "
              f"(MiniLM, 128 tokens, batch 64, dtype {args.dtype}); peak RSS so far {rss_mb():.0f} MB")
        t = time.perf_counter()
        cluster(out)
        stages["cluster"] = time.perf_counter() - t
        n_clusters = sum(c.level == 0 for c in load_clusters(out))
        print(f"cluster: {n_clusters} base clusters in {stages['cluster']:.1f}s; peak RSS so far {rss_mb():.0f} MB")
    total = time.perf_counter() - t0
    print(f"load average at end: {os.getloadavg()}")
    print("stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    label = f"userlogs_{args.n // 1000}k" + ("_ingest_only" if args.no_embed else "")
    print(f"RESULT {label}_seconds={total:.1f} peak_rss_mb={rss_mb():.0f}")


if __name__ == "__main__":
    main()
