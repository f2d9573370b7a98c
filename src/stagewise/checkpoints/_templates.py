"""Chat templates for base models, which ship none. Each carries `{% generation %}` markers
so the same template serves evaluation and assistant-only SFT loss."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from stagewise.errors import CheckpointError

BUILTIN_TEMPLATES = ("gemma", "chatml")

# The token that ends an assistant turn under each builtin template.
END_OF_TURN = {"gemma": "<end_of_turn>", "chatml": "<|im_end|>"}


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
