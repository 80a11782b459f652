"""Pure functions: recorded data (arrays / DataFrames) -> plotly Figure. No streamlit here."""

from rnnviz.figures.gradients import grad_flow_line
from rnnviz.figures.hidden import hidden_heatmap

__all__ = ["grad_flow_line", "hidden_heatmap"]
