"""Facts about individual worms' target generators: pure functions of the generator, no engine dependency.

Each module cites its sources; see docs/worms/ for the derivations.
"""
