"""Save and load a TrainingRun: one .npz of arrays (allow_pickle=False) with its JSON inside.

Layout: `param/<name>`, `opt/<slot>/<name>`, `grad_flow` (E, T) and `grad_flow_epochs` (E,),
and `meta`: the UTF-8 bytes of a JSON object holding the config, the user's task data, the
history and the run's counters and RNG state. The CLI also writes that JSON and the
history CSV beside it for people to read.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from rnnviz.train.run import TrainingRun
from rnnviz.train.settings import RunConfig

FORMAT = "rnnviz-run"
VERSION = 1


class RunFileError(ValueError):
    """A saved run that cannot be loaded; the message says why."""


def meta_of(run: TrainingRun) -> dict:
    in_epoch = run._epoch_iter is not None
    return {
        "format": FORMAT, "version": VERSION,
        "config": run.cfg.to_dict(), "task_data": run.cfg.task.data,
        "history": run.history, "epoch": run.epoch, "batches": run.batches,
        "seconds": run.seconds, "status": run.status, "diverged": run.diverged,
        "opt_t": run.opt.t, "rng_state": run.rng.bit_generator.state,
        "epoch_rng_state": run._epoch_state if in_epoch else None,
        "epoch_pos": run._epoch_pos if in_epoch else 0,
        "acc": run._acc,
    }


def to_bytes(run: TrainingRun) -> bytes:
    """The run as .npz bytes (for a download button)."""
    arrays = {f"param/{k}": v for k, v in run.model.params.items()}
    arrays |= {f"opt/{k}": v for k, v in run.opt.state_arrays().items()}
    epochs, flow = run.grad_flow_matrix()
    arrays["grad_flow"], arrays["grad_flow_epochs"] = flow, epochs
    meta = json.dumps(meta_of(run)).encode("utf-8")
    arrays["meta"] = np.frombuffer(meta, dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def save(run: TrainingRun, out_dir: str | Path) -> Path:
    """Write run.npz, config.json and history.csv into out_dir; returns the .npz path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "run.npz"
    path.write_bytes(to_bytes(run))
    (out / "config.json").write_text(json.dumps(run.cfg.to_dict(), indent=2) + "\n")
    run.history_frame().to_csv(out / "history.csv", index=False)
    return path


def from_bytes(data: bytes, max_bytes: int = 50_000_000) -> TrainingRun:
    """Rebuild a run from .npz bytes; RunFileError with a clear message if it is not one."""
    if not data:
        raise RunFileError("the file is empty")
    if len(data) > max_bytes:
        raise RunFileError(f"the file is {len(data) / 1e6:.1f} MB; the limit is "
                           f"{max_bytes / 1e6:.0f} MB")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as e:
        raise RunFileError(f"not an rnnviz run (.npz): {e.__class__.__name__}") from None
    if "meta" not in arrays:
        raise RunFileError("not an rnnviz run: the .npz has no 'meta' record")
    try:
        meta = json.loads(arrays.pop("meta").astype(np.uint8).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise RunFileError("the run's 'meta' record is not valid JSON (file damaged?)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RunFileError("not an rnnviz run: wrong format tag")
    if meta.get("version") != VERSION:
        raise RunFileError(f"run file version {meta.get('version')!r} is not supported "
                           f"(this rnnviz reads version {VERSION})")
    try:
        cfg = RunConfig.from_dict(meta["config"])
        cfg.task.data = meta.get("task_data")
        run = TrainingRun(cfg)
    except (KeyError, TypeError, ValueError) as e:
        raise RunFileError(f"the run's settings are invalid: {e}") from None
    _restore(run, arrays, meta)
    return run


def _restore(run: TrainingRun, arrays: dict, meta: dict) -> None:
    params = run.model.params
    names = {k[6:] for k in arrays if k.startswith("param/")}
    if names != set(params):
        missing, extra = sorted(set(params) - names), sorted(names - set(params))
        raise RunFileError(f"the parameters do not fit the model: missing {missing or 'none'},"
                           f" unexpected {extra or 'none'}")
    for k, p in params.items():
        a = arrays[f"param/{k}"]
        if a.shape != p.shape:
            raise RunFileError(f"parameter {k} has shape {a.shape}; the model needs {p.shape}")
        if not np.issubdtype(a.dtype, np.floating) or not np.all(np.isfinite(a)):
            raise RunFileError(f"parameter {k} holds non-finite or non-float values")
        p[...] = a
    opt = {k[4:]: v for k, v in arrays.items() if k.startswith("opt/")}
    for k, v in opt.items():
        name = k.split("/", 1)[-1]
        if name not in params or v.shape != params[name].shape:
            raise RunFileError(f"optimiser state {k} does not fit the model")
    try:
        run.opt.load_state_arrays(opt, int(meta["opt_t"]))
        run.history = [dict(r) for r in meta["history"]]
        run.epoch, run.batches = int(meta["epoch"]), int(meta["batches"])
        run.seconds, run.status = float(meta["seconds"]), str(meta["status"])
        run.diverged = bool(meta["diverged"])
        run._acc = dict(meta["acc"])
        if meta.get("epoch_rng_state") is not None:
            run.rng.bit_generator.state = meta["epoch_rng_state"]
            run._epoch_state = meta["epoch_rng_state"]
            run._epoch_iter = run.task.train_batches(run.cfg.train.batch_size, run.rng)
            for _ in range(int(meta["epoch_pos"])):
                next(run._epoch_iter)
            run._epoch_pos = int(meta["epoch_pos"])
        else:
            run.rng.bit_generator.state = meta["rng_state"]
    except (KeyError, TypeError, ValueError, StopIteration) as e:
        raise RunFileError(f"the run's record is damaged: {e.__class__.__name__}: {e}") from None
    if "grad_flow" in arrays and "grad_flow_epochs" in arrays:
        flow, ep = arrays["grad_flow"], arrays["grad_flow_epochs"]
        if flow.ndim == 2 and len(ep) == len(flow):
            run.grad_flow = [(int(e), f.astype(np.float64)) for e, f in zip(ep, flow, strict=True)]
    run._last_good = {k: v.copy() for k, v in params.items()}
    run._snapshot()
    run.grad_flow.pop()  # _snapshot appended the current epoch again
    run.eig_history = run.eig_history[-1:]


def load(path: str | Path) -> TrainingRun:
    p = Path(path)
    if p.is_dir():
        p = p / "run.npz"
    if not p.exists():
        raise RunFileError(f"no such file: {p}")
    return from_bytes(p.read_bytes())
