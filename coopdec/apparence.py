"""Layouts and styles that several widgets share: fewer widget models to create and display.

ipywidgets lets one layout or one style serve several widgets; otherwise each widget
brings its own pair, and each of them is a model the kernel opens and the browser builds.
"""

from __future__ import annotations


def style_for(widget_class):
    """A new style of the kind ``widget_class`` makes for itself (e.g. ``HTMLStyle``)."""
    return widget_class.class_traits()["style"].klass()
