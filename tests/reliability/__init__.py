"""Faults under load against the real service: crashes, a store that goes away, slow clients."""
