"""Coverage-guided fuzzing (atheris) of the channel parsers and the personal-data redactor.

``targets`` holds the invariants, ``run`` drives atheris: ``python -m tests.fuzz.run TARGET --runs N``.
"""
