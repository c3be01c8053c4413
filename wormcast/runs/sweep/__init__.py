"""Parameter sweeps: K runs at each point of a grid, stored run by run so a sweep can resume."""
