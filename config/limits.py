"""Bounds every layer shares."""

# Primary keys are BigAutoField: any id past this can't exist, and comparing a
# larger number with the column overflows on PostgreSQL.
MAX_ID = 2**63 - 1
