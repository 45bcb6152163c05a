"""Writeback: plan (plan.py), validate (payload.py), read ABS (live.py), journal (journal.py), send and
verify (send.py), the whole run (apply.py), undo (rollback.py)."""
