"""The pure-NumPy recurrent core: cells, network, BPTT, losses, init, optimisers, clipping."""

from rnnviz.core.cells import GRUCell, LSTMCell, RNNCell, make_cell
from rnnviz.core.config import ModelConfig
from rnnviz.core.gradcheck import check_gradients, numerical_grads, relative_error
from rnnviz.core.network import Model
from rnnviz.core.optim import SGD, Adam, Momentum, clip_gradients, make_optimizer, train_step
from rnnviz.core.trace import LayerTrace, Trace

__all__ = [
    "Adam", "GRUCell", "LSTMCell", "LayerTrace", "Model", "ModelConfig", "Momentum",
    "RNNCell", "SGD", "Trace", "check_gradients", "clip_gradients", "make_cell",
    "make_optimizer", "numerical_grads", "relative_error", "train_step",
]
