"""File tools for sandboxed agents: read and write a file in the sample's sandbox."""

from __future__ import annotations

from inspect_ai.tool import Tool, ToolError, tool
from inspect_ai.util import sandbox

MAX_READ_CHARS = 20000


@tool
def read_file() -> Tool:
    """Read a text file in the sandbox."""

    async def execute(path: str) -> str:
        """Read a text file.

        Args:
          path: Path of the file (relative paths are under the working directory).

        Returns:
          The file's contents.
        """
        try:
            text = await sandbox().read_file(path)
        except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
            raise ToolError(f"cannot read {path}: {e}") from e
        return text if len(text) <= MAX_READ_CHARS else text[:MAX_READ_CHARS] + "\n[... truncated ...]"

    return execute


@tool
def write_file() -> Tool:
    """Write (create or replace) a text file in the sandbox."""

    async def execute(path: str, content: str) -> str:
        """Create or replace a text file with the given content.

        Args:
          path: Path of the file (relative paths are under the working directory).
          content: The complete new contents of the file.

        Returns:
          A confirmation.
        """
        # written from inside the sandbox, so the kernel applies the sandbox's own write policy
        script = 'mkdir -p -- "$(dirname -- "$1")" && cat > "$1"'
        res = await sandbox().exec(["sh", "-c", script, "sh", path], input=content)
        if not res.success:
            raise ToolError(f"cannot write {path}: {res.stderr.strip() or f'exit {res.returncode}'}")
        return f"wrote {len(content)} characters to {path}"

    return execute
