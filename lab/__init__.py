"""Optimizer Lab's application layer: the experiment model, running it, tidy frames and charts.

Everything here is pure Python (numpy, pandas, Altair); only ``lab.ui`` and ``dashboard.py``
import Streamlit.
"""
