"""Generation speed: stagewise's default local run vs Inspect's stock `hf/` provider vs raw generate.

Workload (issue 2): the packaged Gemma 3 270M base, 64 XSTest prompts x 64 new tokens, greedy.
All arms run in this one process, one after another, on the same prompts; tokens/s counts the
new tokens each arm actually produced (up to 64 per prompt; generation stops at end of turn).

    python benchmarks/generation.py [--prompts 64] [--tokens 64] [--rounds 3] [--skip-stock-default]

Each round runs every arm once; the figures are each arm's median over the rounds (single
rounds on a shared 2-core VM were seen to swing by 10-15%).

Last line: RESULT gen_speedup_vs_inspect_hf=<x> gen_fraction_of_raw=<y>

`--engines` (run it in the vLLM venv, `bash scripts/setup-vllm.sh`) instead compares the engines
on the same job: stagewise's default (HF engine), `-M engine=vllm`, and Inspect's own `vllm/`
provider (which starts a `vllm serve` server). Each arm runs the job twice in a row: the first
run includes loading (and, for `vllm/`, the server start), the second finds the model loaded;
load = first - second. Figures: load seconds, generation tok/s (second run), the end-to-end
ratio vs the default for this job, and the job size at which vLLM's total wins.

    PATH=$PWD/.venv-vllm/bin:$PATH python benchmarks/generation.py --engines --prompts 64 --tokens 64

Last line: RESULT vllm_gen_speedup=<x> vllm_total_speedup=<y> vllm_break_even_tokens=<n>
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


def prompts(n: int) -> list[str]:
    path = Path(os.environ.get("STAGEWISE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "xstest" / "xstest_prompts.csv"
    with path.open() as f:
        rows = list(csv.DictReader(f))
    return [r["prompt"] for r in rows[:n]]


def inspect_arm(model: str, model_args: dict, texts: list[str], tokens: int, **eval_kwargs: object) -> tuple[float, int]:
    """Run a plain generate task through Inspect; return (seconds, new tokens)."""
    from inspect_ai import Task, eval
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import generate

    task = Task(dataset=[Sample(id=str(i), input=t) for i, t in enumerate(texts)], solver=generate())
    t0 = time.perf_counter()
    logs = eval(task, model=model, model_args=model_args, max_tokens=tokens, display="none", log_dir="/tmp/stagewise-bench-logs",
                **eval_kwargs)
    seconds = time.perf_counter() - t0
    assert logs[0].status == "success", logs[0].error
    new = sum(s.output.usage.output_tokens for s in logs[0].samples if s.output.usage)
    return seconds, new


def raw_arm(path: str, texts: list[str], tokens: int, dtype: str, batch: int) -> tuple[float, int]:
    """Best-case raw batched `model.generate` (model already loaded; load time excluded)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from stagewise.checkpoints import load_chat_template

    tok = AutoTokenizer.from_pretrained(path)
    tok.chat_template = load_chat_template("gemma")
    tok.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(path, dtype=getattr(torch, dtype)).eval()
    rendered = [tok.apply_chat_template([{"role": "user", "content": t}], tokenize=False, add_generation_prompt=True) for t in texts]
    rendered.sort(key=len)
    eot = tok.convert_tokens_to_ids("<end_of_turn>")
    t0 = time.perf_counter()
    new = 0
    for i in range(0, len(rendered), batch):
        enc = tok(rendered[i:i + batch], return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=tokens, do_sample=False, eos_token_id=[eot, tok.eos_token_id],
                                 pad_token_id=tok.pad_token_id, temperature=None, top_p=None, top_k=None)
        gen = out[:, enc["input_ids"].shape[1]:]
        for row in gen.tolist():
            n = next((j + 1 for j, t in enumerate(row) if t in (eot, tok.eos_token_id)), len(row))
            new += n
    return time.perf_counter() - t0, new


def engines_main(path: str, texts: list[str], tokens: int) -> None:
    """Default HF engine vs engine=vllm vs Inspect's vllm/ provider: load and generation apart."""
    from stagewise.providers._engine import release_engines

    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # shared machine: keep vLLM's cache small
    arms = {
        "stagewise default (hf engine)": ("stagewise/gemma", {"path": path, "chat_template": "gemma", "cache": False}),
        "stagewise -M engine=vllm": ("stagewise/gemma", {"path": path, "chat_template": "gemma", "cache": False,
                                                         "engine": "vllm"}),
        # Inspect's provider starts `vllm serve`; the same template, eager mode, bf16 as ours
        "inspect vllm/ provider": (f"vllm/{path}", {"chat_template": _template_file(), "enforce_eager": True,
                                                    "dtype": "bfloat16", "max_model_len": 4096}),
    }
    figures: dict[str, tuple[float, float, int]] = {}
    for name, (model, margs) in arms.items():
        cold, new = inspect_arm(model, margs, texts, tokens, max_connections=len(texts))
        warm, new2 = inspect_arm(model, margs, texts, tokens, max_connections=len(texts))
        release_engines()
        figures[name] = (max(0.0, cold - warm), warm, new2)
        print(f"{name:<32} load {cold - warm:6.1f} s   generation {warm:6.1f} s  {new2:5d} new tokens  "
              f"{new2 / warm:6.1f} tok/s   total {cold:6.1f} s", flush=True)
    hf_load, hf_gen, hf_new = figures["stagewise default (hf engine)"]
    for name, (load, gen, new) in figures.items():
        print(f"{name:<32} generation {(new / gen) / (hf_new / hf_gen):5.2f}x   "
              f"end to end {(hf_load + hf_gen) / (load + gen):5.2f}x  (vs the default, this job)")
    v_load, v_gen, v_new = figures["stagewise -M engine=vllm"]
    gain = 1 / (hf_new / hf_gen) - 1 / (v_new / v_gen)
    even = max(0, int((v_load - hf_load) / gain)) if gain > 0 else -1  # 0: vLLM wins at any size
    print(f"RESULT vllm_gen_speedup={(v_new / v_gen) / (hf_new / hf_gen):.2f} "
          f"vllm_total_speedup={(hf_load + hf_gen) / (v_load + v_gen):.2f} vllm_break_even_tokens={even} "
          f"(hf_tok_s={hf_new / hf_gen:.1f} vllm_tok_s={v_new / v_gen:.1f} vllm_extra_load_s={v_load - hf_load:.1f})")


def _template_file() -> str:
    """The builtin gemma template as a file (vllm serve takes a path)."""
    from stagewise.checkpoints import load_chat_template

    out = Path("/tmp/stagewise-bench-gemma.jinja")
    out.write_text(load_chat_template("gemma"))
    return str(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", action="store_true", help="compare engine=hf, engine=vllm and Inspect's vllm/")
    ap.add_argument("--prompts", type=int, default=64)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--skip-stock-default", action="store_true", help="skip the slow fp32 stock arm")
    ap.add_argument("--rounds", type=int, default=3, help="repeat every arm; report medians")
    args = ap.parse_args()

    from stagewise.checkpoints import load_chat_template, materialize
    from stagewise.providers._engine import release_engines
    from stagewise.evaluate.study import PackagedSource

    path = str(materialize(PackagedSource(name="gemma3-270m")))
    texts = prompts(args.prompts)
    if args.engines:
        return engines_main(path, texts, args.tokens)
    gemma = load_chat_template("gemma")
    samples: dict[str, list[float]] = {}
    # Warm-up, untimed: the first arm would otherwise pay one-time costs (imports, page cache,
    # oneDNN kernel creation) that the later arms skip.
    raw_arm(path, texts[:4], 4, "bfloat16", 4)
    inspect_arm("stagewise/warmup", {"path": path, "chat_template": "gemma", "cache": False}, texts[:2], 4)
    release_engines()

    def report(name: str, seconds: float, new: int) -> None:
        samples.setdefault(name, []).append(new / seconds)
        print(f"{name:<44} {seconds:7.1f} s  {new:6d} new tokens  {new / seconds:7.1f} tok/s", flush=True)

    stock = {"model_path": path, "chat_template": gemma, "do_sample": False}
    for r in range(1, args.rounds + 1):
        print(f"-- round {r}/{args.rounds}", flush=True)
        # stagewise default: no knobs. cache=False so the arm really generates.
        report("stagewise default (stagewise/...)", *inspect_arm(
            "stagewise/gemma", {"path": path, "chat_template": "gemma", "cache": False}, texts, args.tokens))
        release_engines()
        if not args.skip_stock_default:
            report("inspect hf/ stock defaults (fp32)", *inspect_arm("hf/gemma", stock, texts, args.tokens))
        report("inspect hf/ bf16 + max_connections 64", *inspect_arm(
            "hf/gemma", {**stock, "dtype": "bfloat16"}, texts, args.tokens, max_connections=64))
        for dtype, batch in (("bfloat16", 64), ("bfloat16", 32), ("float32", 64)):
            t0 = time.perf_counter()
            seconds, new = raw_arm(path, texts, args.tokens, dtype, batch)
            report(f"raw generate {dtype} batch {batch}", seconds, new)
            if dtype == "bfloat16" and batch == 64:
                # like for like with the Inspect arms, which include loading the model and tokenizer
                samples.setdefault("_raw_with_load", []).append(new / (time.perf_counter() - t0))

    import statistics

    results = {k: statistics.median(v) for k, v in samples.items()}
    print(f"-- medians over {args.rounds} round(s)")
    for k, v in results.items():
        if not k.startswith("_"):
            print(f"{k:<44} {v:7.1f} tok/s   (rounds: {', '.join(f'{x:.1f}' for x in samples[k])})")
    ours = results["stagewise default (stagewise/...)"]
    best_raw = max(v for k, v in results.items() if k.startswith("raw"))
    print(f"raw bf16 batch 64 with model+tokenizer load: {results['_raw_with_load']:.1f} tok/s; "
          f"stagewise default is {ours / results['_raw_with_load']:.2f}x of that")
    best_stock = results["inspect hf/ bf16 + max_connections 64"]
    print(f"vs best-configured stock: {ours / best_stock:.2f}x")
    speedup = ours / results["inspect hf/ stock defaults (fp32)"] if "inspect hf/ stock defaults (fp32)" in results else float("nan")
    print(f"RESULT gen_speedup_vs_inspect_hf={speedup:.2f} gen_fraction_of_raw={ours / best_raw:.2f}")


if __name__ == "__main__":
    main()
