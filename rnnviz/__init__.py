"""rnnviz: see how recurrent neural networks work, truthful down to the last gradient."""

from rnnviz.core import (
    SGD,
    Adam,
    LayerTrace,
    Model,
    ModelConfig,
    Momentum,
    Trace,
    check_gradients,
    clip_gradients,
    make_optimizer,
    train_step,
)

__version__ = "0.1.0"

__all__ = [
    "Adam", "LayerTrace", "Model", "ModelConfig", "Momentum", "SGD", "Trace",
    "check_gradients", "clip_gradients", "make_optimizer", "train_step",
]
