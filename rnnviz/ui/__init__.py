"""The only Streamlit-aware helpers: session state, controls, the live fragment, styling."""
