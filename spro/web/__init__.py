"""Helpers shared by the view layers of every app (network, sites, stats, events).

spro is the bottom layer: nothing here imports from network, sites, stats or events.
"""
