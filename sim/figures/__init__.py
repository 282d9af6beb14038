"""Figures (matplotlib, headless Agg backend), PNG and SVG."""
