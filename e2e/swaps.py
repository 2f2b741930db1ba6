from contextlib import contextmanager

from playwright.sync_api import Locator, expect


@contextmanager
def answer_swapped_into(block: Locator):
    """Waits, at the end of the with-block, until the server's answer has replaced
    `block` and htmx has settled it. What the page shows may already look like the
    answer (a dragged row moves at once, an earlier answer said the same): input
    made before the swap is replaced, empty, by the answer's copy, and input made
    before htmx settles the new content goes to triggers not yet wired."""
    block.evaluate("element => element.setAttribute('data-awaiting-answer', '')")
    yield
    page = block.page
    expect(page.locator("[data-awaiting-answer]")).to_have_count(0)
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
