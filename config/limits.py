"""Bounds every layer shares."""

# Primary keys are BigAutoField: any id past this can't exist, and comparing a
# larger number with the column overflows on PostgreSQL.
MAX_ID = 2**63 - 1

# Images (logo, company and person pictures) are decoded by browsers and by the PDF
# renderer: a 12-megapixel phone photo fits, a picture that would take hundreds of
# megabytes to decode does not.
IMAGE_MAX_PIXELS = 4096 * 4096
IMAGE_MAX_SIDE = 8192

# Chunked API uploads not finished yet, per credential (or bearer token): how many
# may be open at once, and how many times DOCKET_UPLOAD_MAX_BYTES the final sizes
# they declare (X-File-Size) may add up to.
CHUNKED_UPLOADS_MAX_OPEN = 5
CHUNKED_UPLOADS_PARKED_FACTOR = 2
