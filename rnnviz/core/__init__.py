"""The pure-NumPy recurrent core: cells, network, BPTT, losses, init, optimisers, clipping."""

from .cells import GRUCell, LSTMCell, RNNCell, make_cell
from .config import ModelConfig
from .gradcheck import check_gradients, numerical_grads, relative_error
from .network import Model
from .optim import SGD, Adam, Momentum, clip_gradients, make_optimizer, train_step
from .trace import LayerTrace, Trace

__all__ = [
    "Adam", "GRUCell", "LSTMCell", "LayerTrace", "Model", "ModelConfig", "Momentum",
    "RNNCell", "SGD", "Trace", "check_gradients", "clip_gradients", "make_cell",
    "make_optimizer", "numerical_grads", "relative_error", "train_step",
]
