"""Outputs: the tables, GeoJSON, maps, figures and report of a plan, and the folder that holds them.

:mod:`~medroute.outputs.frames` (pandas tables), :mod:`~medroute.outputs.geojson`,
:mod:`~medroute.outputs.maps` (folium), :mod:`~medroute.outputs.plot` (matplotlib),
:mod:`~medroute.outputs.report` (markdown) and :mod:`~medroute.outputs.write`, which writes them
all into one folder (:func:`write_outputs`); :mod:`~medroute.outputs.drawing` holds what the
maps and figures share (route geometry, colours).
"""

from .write import figure_makers as figure_makers
from .write import write_outputs as write_outputs
