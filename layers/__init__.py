"""Folium layers built from the GeoDataFrames of :mod:`geo`.

Layers take data frames and return folium objects; they never read files.
"""
