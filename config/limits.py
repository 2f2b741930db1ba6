"""Bounds every layer shares.

Short text fields take their limit from the model field's max_length; what has no
such column (long text, JSON objects, lists) is bounded here, once, and services,
forms and the API docs read these names. The README's "Security" section lists them.
"""

# Primary keys are BigAutoField: any id past this can't exist, and comparing a
# larger number with the column overflows on PostgreSQL.
MAX_ID = 2**63 - 1

# Long free text. Notes are read on edit pages; a journal entry may hold a pasted email.
NOTES_MAX_CHARS = 20_000
JOURNAL_CONTENT_MAX_CHARS = 100_000
# Text printed on documents (the account's address, bank details).
DOCUMENT_TEXT_MAX_CHARS = 2_000

# Custom fields and tags of one company or person: a record with thousands of them
# made its edit page take seconds to draw.
CUSTOMFIELDS_MAX_ITEMS = 50
CUSTOMFIELD_TITLE_MAX_CHARS = 100
CUSTOMFIELD_VALUE_MAX_CHARS = 2_000
TAGS_MAX_ITEMS = 50

# Ids in outside accounting systems, measured as the JSON it is stored as.
ACCOUNTSDATA_MAX_BYTES = 64 * 1024

# A user's notes ({title, content} pairs).
USER_NOTES_MAX_ITEMS = 50
USER_NOTE_TITLE_MAX_CHARS = 200
USER_NOTE_CONTENT_MAX_CHARS = NOTES_MAX_CHARS

# A project's brief, and its expanded and conclusion sections ({title, content} pairs).
PROJECT_BRIEF_MAX_CHARS = NOTES_MAX_CHARS
PROJECT_SECTIONS_MAX_ITEMS = 50
PROJECT_SECTION_TITLE_MAX_CHARS = 200
PROJECT_SECTION_CONTENT_MAX_CHARS = NOTES_MAX_CHARS
# A time entry's notes (a timer's too).
TIME_NOTES_MAX_CHARS = 5_000
# People on a project's team, and people it is associated with.
PROJECT_PEOPLE_MAX_ITEMS = 200

# Any list or object in an API request (ids, restrictions, JSON-encoded values).
REQUEST_LIST_MAX_ITEMS = 1_000

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

# Documents (invoices, credit notes, recurring invoices, proposals): sections, lines
# in all, and each line's description. Titles are 200 characters, as a job item's.
DOCUMENT_SECTIONS_MAX_ITEMS = 100
DOCUMENT_LINES_MAX_ITEMS = 1_000
DOCUMENT_LINE_TITLE_MAX_CHARS = 200
DOCUMENT_LINE_DESCRIPTION_MAX_CHARS = 5_000
# An email's message sent with a document.
EMAIL_MESSAGE_MAX_CHARS = 10_000
# The client's people one sending of a document goes to (SMTP servers take ~100 a message).
DELIVERY_RECIPIENTS_MAX = 20
# A proposal item's actions (made on the project's item when the proposal becomes one).
PROPOSAL_ITEM_ACTIONS_MAX_ITEMS = 50
# A recurring invoice repeats every 1 to this many days, weeks, months or years.
PERIODICAL_REPEAT_INTERVAL_MAX = 365
