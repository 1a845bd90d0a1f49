"""Shift-pattern design against required cover, the working-time rules as one function each,
re-rostering through absences, and the roster interchange for the response simulation."""
