"""The asynchronous pipeline: drain the inbox through decode → map → validate → route → outbox.

Each stage is a module with one job (``decode``, ``transform``, ``validate``, ``routing``);
``processor`` chains them for one message into a ``MessageOutcome``, ``worker`` claims batches of
messages with a lease and records outcomes, and ``replay`` holds the operators' replay calls.
"""
