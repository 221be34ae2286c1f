"""Lobby display (Kivy): shows calls from the retained board state and announces them offline.

Arrives with its own issue; it reads ``hall/<code>/v1/state/board`` and the event
stream described in docs/protocol.md.
"""
