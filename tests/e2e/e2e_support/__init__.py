"""Helpers shared by the Mesokube end-to-end suite: cluster processes, HTTP clients, pymesos programs."""
