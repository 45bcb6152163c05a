"""Writeback: plan (plan.py), validate (payload.py), apply + verify (apply.py), undo (rollback.py)."""
