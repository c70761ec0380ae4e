// Simulation target.
