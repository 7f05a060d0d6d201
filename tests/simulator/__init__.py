"""The simulated worker: seeded random conversations against the real system, checked turn by turn.

``moves`` holds what a worker says, ``walker`` picks the next move, ``invariants`` checks each
turn, ``runner`` talks to the api and Rasa; ``python -m tests.simulator`` runs it all.
"""
