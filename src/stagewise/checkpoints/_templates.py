"""Chat templates for base models, which ship none. Each carries `{% generation %}` markers
so the same template serves evaluation and assistant-only SFT loss."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from stagewise.errors import CheckpointError

BUILTIN_TEMPLATES = ("gemma", "chatml")

# The token that ends an assistant turn under each builtin template.
END_OF_TURN = {"gemma": "<end_of_turn>", "chatml": "<|im_end|>"}


def end_of_turn_token(template: str) -> str | None:
    """The token that closes an assistant turn under a known template family, if any."""
    return next((tok for tok in END_OF_TURN.values() if tok in template), None)


def load_chat_template(name_or_path: str) -> str:
    """Return the Jinja text of a builtin template (`gemma`, `chatml`) or of a template file."""
    if name_or_path in BUILTIN_TEMPLATES:
        return (resources.files("stagewise.checkpoints") / "templates" / f"{name_or_path}.jinja").read_text()
    path = Path(name_or_path)
    if not path.is_file():
        raise CheckpointError(
            f"chat template {name_or_path!r} is neither a builtin ({', '.join(BUILTIN_TEMPLATES)}) nor a file; "
            "name a builtin or give the path to a .jinja file"
        )
    return path.read_text()


# Turn markers as chat templates write them: `<|im_start|>`, `<|eot_id|>`, `<start_of_turn>`...
_MARKER = re.compile(r"<\|[^<>|\s]+\|>|<(?:start|end)_of_\w+>")


def check_template_renders(template: str, template_name: str) -> None:
    """Fail in one line when the Jinja does not compile or cannot render a one-question chat."""
    import jinja2
    from transformers.utils.chat_template_utils import render_jinja_template

    chat = [{"role": "user", "content": "Hello?"}]
    try:
        render_jinja_template([chat], chat_template=template, add_generation_prompt=True, bos_token="", eos_token="")
    except jinja2.TemplateSyntaxError as e:
        raise CheckpointError(f"chat template {template_name!r} has a Jinja syntax error on line {e.lineno}: "
                              f"{e.message}; fix the template file") from None
    except Exception as e:  # noqa: BLE001 - any render failure (undefined name, raise_exception) is the template's
        raise CheckpointError(f"chat template {template_name!r} cannot render a user turn "
                              f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); fix the template file") from None


def check_turn_markers(template: str, checkpoint: Path, template_name: str) -> None:
    """Fail when the template's turn markers are not special tokens of the checkpoint's tokenizer.

    Such a marker is split into ordinary sub-words, the model never sees a turn boundary and
    never emits one, so it rambles on (`'<end_of_turn>user'`) and the run scores nonsense.
    """
    special = _special_tokens(checkpoint)
    if special is None:
        return  # no fast-tokenizer files to read: nothing to check against
    missing = sorted({m for m in _MARKER.findall(template) if m not in special})
    if missing:
        raise CheckpointError(
            f"chat template {template_name!r} uses turn marker(s) {', '.join(missing)}, which are not special "
            f"tokens of the tokenizer in {checkpoint}; use the template the checkpoint was trained with "
            "(e.g. chatml for SmolLM2, gemma for Gemma) or drop chat_template to use its own"
        )


def _special_tokens(checkpoint: Path) -> set[str] | None:
    found: set[str] | None = None
    tok_json, tok_cfg = checkpoint / "tokenizer.json", checkpoint / "tokenizer_config.json"
    if tok_json.is_file():
        found = {t["content"] for t in json.loads(tok_json.read_text()).get("added_tokens", [])}
    if tok_cfg.is_file():
        decoder = json.loads(tok_cfg.read_text()).get("added_tokens_decoder") or {}
        found = (found or set()) | {t["content"] for t in decoder.values() if isinstance(t, dict)}
    return found
