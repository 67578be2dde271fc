"""Small fitted ensembles and tree_ensemble templates shared by the spec and engine tests (kept tiny: fast)."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

L = {"kk": "белгі", "ru": "метка", "en": "label"}


def feature(name: str, ftype: str = "number", **extra: Any) -> dict[str, Any]:
    f: dict[str, Any] = {"name": name, "type": ftype, "mutable": True, "source": "TEST_REGISTRY", "label": L}
    if ftype in ("number", "integer"):
        f.update(min=-10, max=10)
    f.update(extra)
    return f


def outcomes(n: int) -> list[dict[str, Any]]:
    return [{"code": f"O{i}", "label": L, "favourable": i == 0} for i in range(max(n, 2))]


def template(n_classes: int, nullable: bool = False) -> dict[str, Any]:
    """Features a, b (nullable when asked), c (integer) and d (boolean); regressors (0 classes) get a threshold."""
    t: dict[str, Any] = {
        "features": [
            feature("a"),
            feature("b", nullable=nullable) if nullable else feature("b"),
            feature("c", "integer"),
            feature("d", "boolean"),
        ],
        "outcomes": outcomes(n_classes),
        "background": [{"a": 0.0, "b": 0.0, "c": 0, "d": False}, {"a": 1.0, "b": -1.0, "c": 2, "d": True}],
    }
    if n_classes == 0:
        t.update(threshold=0.5, outcome_at_or_above="O1", outcome_below="O0")
    return t


@functools.cache
def data(n: int = 300, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features (a: thirds, never float32-exact; b: normal; c: integers; d: 0/1) and three targets."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [
            np.round(rng.normal(size=n) * 9) / 3,
            rng.normal(size=n),
            rng.integers(-3, 4, n),
            rng.random(n) < 0.5,
        ]
    ).astype(np.float64)
    x = np.clip(x, -10, 10)
    binary = (x[:, 0] + x[:, 1] + x[:, 3] > 0.3).astype(int)
    three = np.digitize(x[:, 0] + x[:, 1] - 0.3 * x[:, 2], [-0.5, 0.5])
    reg = 2 * x[:, 0] + x[:, 2] - x[:, 1] * x[:, 3]
    return x, binary, three, reg


def with_missing(x: np.ndarray, every: int = 5) -> np.ndarray:
    y = x.copy()
    y[::every, 1] = np.nan
    return y


def rows(x: np.ndarray) -> list[dict[str, Any]]:
    return [
        {
            "a": float(r[0]),
            "b": None if math.isnan(r[1]) else float(r[1]),
            "c": int(r[2]),
            "d": bool(r[3]),
        }
        for r in x
    ]
