"""rasa-sdk custom actions: answer from policy, forms' validation, handoff, cases.

Served on Python 3.11 with rasa-sdk 3.21.1 (built with the conversation issue).
"""
