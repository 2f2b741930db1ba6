from contextlib import contextmanager

from playwright.sync_api import Locator, expect


@contextmanager
def answer_swapped_into(block: Locator):
    """Waits, at the end of the with-block, until the server's answer has replaced
    `block` and settled. A dragged row moves in the page before its answer arrives, so
    the new order alone does not show the answer is in: a form filled in that moment
    is replaced, empty, by the answer's copy before its button is pressed."""
    block.evaluate("element => element.setAttribute('data-awaiting-answer', '')")
    yield
    page = block.page
    expect(page.locator("[data-awaiting-answer]")).to_have_count(0)
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
