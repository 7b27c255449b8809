"""The Streamlit layer: widgets in, charts out. The only package (with dashboard.py) that imports
Streamlit."""
