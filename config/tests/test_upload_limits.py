"""Upload limits: a file past DOCKET_UPLOAD_MAX_BYTES is refused while it arrives
(never read whole into memory), pictures with more pixels than anything needs are
refused before they are decoded, and unfinished chunked uploads can't pile up."""

import io
import os
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler
from django.test import Client
from PIL import Image

from accounts.models import AccountSettings
from accounts.services import create_api_credential
from accounts.tests.factories import UserFactory
from config.api.uploads import CHUNK_IDLE_SECONDS, CHUNK_KEEP_SECONDS
from config.limits import CHUNKED_UPLOADS_MAX_OPEN
from conftest import DepotClient
from crm.models import Activity, ActivityFile, Company, Contact
from crm.tests.factories import CompanyFactory, ContactFactory, png_bytes

pytestmark = pytest.mark.django_db

BOUNDARY = "StreamedBoundary"
HTMX = {"HX-Request": "true", "HX-Target": "journal"}


class StreamedBody:
    """A request body made as it is read, so a test can send megabytes without
    holding them: whatever memory the request takes is the server's own."""

    def __init__(self, head: bytes, filler: int, tail: bytes):
        self.parts = [head, filler, tail]
        self.length = len(head) + filler + len(tail)
        self.position = 0

    def read(self, size=-1):
        if size is None or size < 0:
            size = self.length - self.position
        out = []
        while size > 0 and self.position < self.length:
            offset = self.position
            for part in self.parts:
                part_length = part if isinstance(part, int) else len(part)
                if offset < part_length:
                    take = min(size, part_length - offset)
                    piece = b"a" * take if isinstance(part, int) else part[offset : offset + take]
                    out.append(piece)
                    break
                offset -= part_length
            self.position += take
            size -= take
        return b"".join(out)

    def readline(self, size=-1):
        return self.read(size)


def multipart(fields: dict[str, str], file_field: str, file_name: str, file_size: int):
    """A multipart body with `fields` and one file of `file_size` bytes."""
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
        f'name="{file_field}"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return StreamedBody(head, file_size, f"\r\n--{BOUNDARY}--\r\n".encode())


def send(client: Client, path: str, body: StreamedBody, length=None, headers=None):
    return client.generic(
        "POST",
        path,
        headers=headers or {},
        **{
            "wsgi.input": body,
            "CONTENT_LENGTH": str(body.length if length is None else length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        },
    )


def peak_memory(call):
    """What `call` returns, and the most memory it held at once (bytes)."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


LIMIT = 256 * 1024
BIG = 4 * 1024 * 1024


@pytest.fixture
def kept_bytes(monkeypatch):
    """How many bytes of uploaded files Django's own handlers were given to keep."""
    kept = []
    for handler_class in (MemoryFileUploadHandler, TemporaryFileUploadHandler):
        original = handler_class.receive_data_chunk

        def counting(self, raw_data, start, original=original):
            if getattr(self, "activated", True):  # the memory handler may pass it on
                kept.append(len(raw_data))
            return original(self, raw_data, start)

        monkeypatch.setattr(handler_class, "receive_data_chunk", counting)
    return kept


@pytest.fixture
def small_limit(settings):
    settings.DOCKET_UPLOAD_MAX_BYTES = LIMIT
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024


# --- item 5: the size limit holds while the body streams in ---------------------------


def test_a_journal_attachment_over_the_limit_is_refused_as_it_arrives(
    staff_client, small_limit, kept_bytes
):
    company = CompanyFactory()
    path = f"/connections/journal/{company.code}/add/"
    fields = {"kind": "comment", "title": "Big file"}
    send(staff_client, path, multipart(fields, "attachment", "warm.txt", 10), headers=HTMX)

    big = multipart(fields, "attachment", "big.txt", BIG)
    kept_bytes.clear()
    response, peak = peak_memory(lambda: send(staff_client, path, big, headers=HTMX))

    assert response.status_code == 200
    assert "The file is larger than the 256 KB limit." in response.content.decode()
    assert not ActivityFile.objects.filter(name="big.txt").exists()
    assert Activity.objects.filter(title="Big file").count() == 1  # only the warm-up
    assert peak < BIG / 4, f"held {peak} bytes of a {BIG} byte upload"
    assert big.position == big.length  # read to the end, so the answer reaches the browser
    assert sum(kept_bytes) <= LIMIT  # the handlers that keep files stopped at the limit


def test_an_api_upload_over_the_limit_is_refused_as_it_arrives(
    depot, admin_user, small_limit, kept_bytes
):
    entry = depot.post(
        "activity",
        {"title": "t", "type": "C", "addedby": admin_user.email, "for": CompanyFactory().code},
    ).json()["id"]
    path = depot.url(f"activity/{entry}/upload")
    send(depot.client, path, multipart({}, "_tbxFile1", "warm.txt", 10), headers=depot.headers)

    big = multipart({}, "_tbxFile1", "big.txt", BIG)
    kept_bytes.clear()
    response, peak = peak_memory(lambda: send(depot.client, path, big, headers=depot.headers))

    assert response.status_code == 400
    assert response.json()["errors"] == ["_tbxFile1 is larger than the 256 KB limit."]
    assert not ActivityFile.objects.filter(name="big.txt").exists()
    assert peak < BIG / 4, f"held {peak} bytes of a {BIG} byte upload"
    assert big.position == big.length  # read to the end, so the answer reaches the browser
    assert sum(kept_bytes) <= LIMIT  # the handlers that keep files stopped at the limit


def test_a_file_at_the_limit_is_kept(staff_client, small_limit):
    company = CompanyFactory()
    response = send(
        staff_client,
        f"/connections/journal/{company.code}/add/",
        multipart({"kind": "comment", "title": "Exactly"}, "attachment", "exact.txt", LIMIT),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert ActivityFile.objects.get().size == LIMIT


@pytest.mark.parametrize(
    "path,field,noun",
    [
        ("/settings/logo/", "logo", "The file"),
        ("/connections/companies/add/", "image", "The image"),
    ],
)
def test_an_image_over_the_limit_says_so_on_the_form(staff_client, small_limit, path, field, noun):
    body = multipart({"name": "Big Picture Ltd"}, field, "huge.png", LIMIT + 1)
    response = send(staff_client, path, body)
    assert response.status_code == 200
    assert f"{noun} is larger than the 256 KB limit." in response.content.decode()
    assert not AccountSettings.load().logo
    assert not Company.objects.exists()


def test_a_declared_body_far_over_the_limit_is_refused_before_reading_it(staff_client):
    company = CompanyFactory()
    body = multipart({"kind": "comment", "title": "Huge"}, "attachment", "huge.bin", 10)
    response = send(
        staff_client,
        f"/connections/journal/{company.code}/add/",
        body,
        length=400 * 1024 * 1024,
        headers=HTMX,
    )
    assert response.status_code == 413
    assert body.position == 0
    message = "The request is too large: files can be at most 10 MB."
    assert message in response.content.decode()
    assert message in response["HX-Trigger"]
    assert not Activity.objects.exists()


def test_an_api_body_far_over_the_limit_is_refused_before_reading_it(depot):
    company = CompanyFactory()
    body = multipart({}, "_tbxFile1", "huge.png", 10)
    response = send(
        depot.client,
        depot.url(f"companies/{company.pk}/upload"),
        body,
        length=400 * 1024 * 1024,
        headers=depot.headers,
    )
    assert response.status_code == 413
    assert body.position == 0
    assert response.json() == {
        "error": True,
        "msg": "The request body is too large.",
        "errors": ["The request is too large: files can be at most 10 MB."],
    }


def chunk(depot, path, data: bytes, size: int, file_id: str, name="a.png", resume=False):
    return depot.client.post(
        depot.url(path),
        data,
        content_type="application/octet-stream",
        headers={
            **depot.headers,
            "X-File-Id": file_id,
            "X-File-Name": name,
            "X-File-Size": str(size),
            "X-File-Resume": "true" if resume else "false",
        },
    )


def noisy_png() -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (40, 40), os.urandom(40 * 40 * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_chunk_streams_to_disk_whatever_the_form_body_limit(depot, settings):
    # Form and JSON bodies are held in memory (DATA_UPLOAD_MAX_MEMORY_SIZE); a chunk
    # goes straight to its file, so one chunk may carry a whole upload.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    content = noisy_png()
    assert len(content) > 1000
    response = chunk(depot, "settings/logo", content, len(content), "whole")
    assert response.status_code == 200, response.content
    assert response.json()["finish"] is True
    assert AccountSettings.load().logo


# --- item 15: image bombs ---------------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    """A valid, tiny PNG whose header claims `width`×`height` pixels (a
    decompression bomb's calling card: 69 bytes that would decode to 81 MB)."""

    def chunk_bytes(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk_bytes(b"IHDR", header)
        + chunk_bytes(b"IDAT", zlib.compress(b""))
        + chunk_bytes(b"IEND", b"")
    )


BOMB_MESSAGE = (
    "has too many pixels: an image can be at most 8192 pixels wide or high "
    "and 16.8 megapixels in all (4096×4096)."
)


ANIMATION_RULE = "the frames of an animation count together"


def upload(depot, path, content: bytes, name="logo.png"):
    file = io.BytesIO(content)
    file.name = name
    return depot.client.post(depot.url(path), {"_tbxFile1": file}, headers=depot.headers)


def test_a_png_declaring_9000_by_9000_is_not_the_logo(depot):
    bomb = png_declaring(9000, 9000)
    assert len(bomb) < 100
    response = upload(depot, "settings/logo", bomb)
    assert response.status_code == 400
    assert response.json()["errors"] == [f"_tbxFile1 {BOMB_MESSAGE}"]
    assert not AccountSettings.load().logo


def test_a_chunked_image_bomb_is_refused(depot):
    bomb = png_declaring(9000, 9000)
    response = chunk(depot, "settings/logo", bomb, len(bomb), "bomb")
    assert response.status_code == 400
    assert response.json()["errors"] == [f"_tbxFile1 {BOMB_MESSAGE}"]


@pytest.mark.parametrize("kind", ["companies", "contacts"])
def test_image_bombs_are_refused_for_companies_and_people(depot, kind):
    obj = CompanyFactory() if kind == "companies" else ContactFactory()
    response = upload(depot, f"{kind}/{obj.pk}/upload", png_declaring(9000, 9000))
    assert response.status_code == 400
    assert response.json()["errors"] == [f"_tbxFile1 {BOMB_MESSAGE}"]
    obj.refresh_from_db()
    assert not obj.image


@pytest.mark.parametrize(
    "path,field,noun",
    [
        ("/settings/logo/", "logo", "The file"),
        ("/connections/companies/add/", "image", "The image"),
        ("/connections/people/add/", "image", "The image"),
    ],
)
def test_image_bombs_are_refused_on_pages(staff_client, path, field, noun):
    bomb = io.BytesIO(png_declaring(9000, 9000))
    bomb.name = "bomb.png"
    response = staff_client.post(path, {"name": "Bomb Ltd", field: bomb})
    assert response.status_code == 200
    assert f"{noun} {BOMB_MESSAGE}" in response.content.decode()
    assert not AccountSettings.load().logo
    assert not Company.objects.exists() and not Contact.objects.exists()


@pytest.mark.parametrize(
    "size,accepted",
    [((4096, 4096), True), ((8192, 2048), True), ((4097, 4096), False), ((8193, 10), False)],
)
def test_the_pixel_limits_are_inclusive(depot, size, accepted):
    response = upload(depot, "settings/logo", png_declaring(*size))
    assert (response.status_code == 200) is accepted, response.content
    if not accepted:
        assert "8192 pixels wide or high and 16.8 megapixels" in response.json()["errors"][0]


def animation(fmt: str, side: int, frames: int) -> bytes:
    buffer = io.BytesIO()
    # Frames that differ, so no encoder folds them into one.
    pictures = [Image.new("L", (side, side), number * 40) for number in range(frames)]
    pictures[0].save(buffer, fmt, save_all=True, append_images=pictures[1:], duration=100)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt,ext", [("GIF", "gif"), ("PNG", "png"), ("WEBP", "webp")])
def test_every_frame_of_an_animation_counts_towards_the_pixels(depot, fmt, ext):
    """Five 2048×2048 frames are 21 megapixels for a browser or the PDF renderer to
    decode, though each frame alone is within the limit."""
    response = upload(depot, "settings/logo", animation(fmt, 2048, 5), f"logo.{ext}")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        f"_tbxFile1 has too many pixels: {ANIMATION_RULE}, and {BOMB_MESSAGE[21:]}"
    ]
    assert not AccountSettings.load().logo
    response = upload(depot, "settings/logo", animation(fmt, 2048, 4), f"logo.{ext}")
    assert response.status_code == 200, response.content


# --- item 16: unfinished chunked uploads ------------------------------------------------


def parts(settings) -> list[Path]:
    return sorted(Path(settings.DOCKET_UPLOAD_TMP).glob("*.part"))


def test_a_credential_can_leave_only_so_many_uploads_unfinished(depot, settings):
    for number in range(CHUNKED_UPLOADS_MAX_OPEN):
        assert chunk(depot, "settings/logo", b"\x89PNG", 100, f"open-{number}").status_code == 200
    refused = chunk(depot, "settings/logo", b"\x89PNG", 100, "one-too-many")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        f"X-File-Id can't start another upload: these credentials already have "
        f"{CHUNKED_UPLOADS_MAX_OPEN} unfinished, the most they may have. Finish one "
        "of them first, or wait: one left for 15 minutes makes way."
    ]
    assert len(parts(settings)) == CHUNKED_UPLOADS_MAX_OPEN
    # Uploads already under way carry on, and other credentials aren't held up.
    assert chunk(depot, "settings/logo", b"more", 100, "open-0").status_code == 200
    other = create_api_credential("Another integration")
    other_client = DepotClient(
        {"X-DEPOT-TOKEN": other.credential.token, "X-DEPOT-SECRET": other.secret}
    )
    assert chunk(other_client, "settings/logo", b"\x89PNG", 100, "open-0").status_code == 200


def test_unfinished_uploads_can_reserve_only_twice_the_upload_limit(depot, settings):
    settings.DOCKET_UPLOAD_MAX_BYTES = 1000
    assert chunk(depot, "settings/logo", b"\x89PNG", 1000, "first").status_code == 200
    assert chunk(depot, "settings/logo", b"\x89PNG", 900, "second").status_code == 200
    refused = chunk(depot, "settings/logo", b"\x89PNG", 101, "third")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "X-File-Size can't be reserved: the unfinished uploads of these credentials may "
        "add up to at most 1.95 KB (twice the upload limit), and 1.86 KB is taken. Finish "
        "one of them first, or wait: one left for 15 minutes makes way."
    ]
    assert chunk(depot, "settings/logo", b"\x89PNG", 100, "third").status_code == 200


def test_a_whole_file_in_one_chunk_reserves_nothing(depot, settings):
    for number in range(CHUNKED_UPLOADS_MAX_OPEN):
        chunk(depot, "settings/logo", b"\x89PNG", 100, f"open-{number}")
    content = png_bytes()
    response = chunk(depot, "settings/logo", content, len(content), "at-once")
    assert response.status_code == 200 and response.json()["finish"] is True


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_idle_upload_makes_way_for_a_new_one(depot, settings):
    for number in range(CHUNKED_UPLOADS_MAX_OPEN):
        chunk(depot, "settings/logo", b"\x89PNG", 100, f"open-{number}")
    stale = parts(settings)[0]
    age(stale, CHUNK_IDLE_SECONDS + 5)
    assert chunk(depot, "settings/logo", b"\x89PNG", 100, "new").status_code == 200
    assert not stale.exists()
    assert len(parts(settings)) == CHUNKED_UPLOADS_MAX_OPEN


def test_a_new_upload_clears_the_credentials_expired_pieces(depot, settings, bearer_for):
    chunk(depot, "settings/logo", b"\x89PNG", 100, "forgotten")
    other = bearer_for(UserFactory(is_superuser=True))
    assert chunk(other, "settings/logo", b"\x89PNG", 100, "theirs").status_code == 200
    for part in parts(settings):
        age(part, CHUNK_KEEP_SECONDS + 5)
    chunk(depot, "settings/logo", b"\x89PNG", 100, "fresh")
    remaining = parts(settings)
    assert len(remaining) == 2  # the fresh one, and the other user's (left to the hourly task)


def test_a_csv_over_the_upload_limit_says_so(staff_client, small_limit):
    body = multipart({"kind": "people"}, "file", "people.csv", LIMIT + 1)
    response = send(staff_client, "/connections/import/", body)
    assert response.status_code == 200
    assert "The file is larger than the 256 KB limit." in response.content.decode()


def test_a_csv_over_the_import_limit_says_so_before_reading_it(staff_client, settings):
    settings.DOCKET_UPLOAD_MAX_BYTES = 8 * 1024 * 1024
    size = 6 * 1024 * 1024
    send(staff_client, "/connections/import/", multipart({"kind": "people"}, "file", "a.csv", 10))
    body = multipart({"kind": "people"}, "file", "people.csv", size)
    response, peak = peak_memory(lambda: send(staff_client, "/connections/import/", body))
    assert response.status_code == 200
    assert "The file is larger than 5 MB; split it into smaller files." in (
        response.content.decode()
    )
    assert peak < size / 4


def test_every_credentials_expired_pieces_go_within_the_hour(depot, settings, bearer_for):
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    from accounts.tasks import delete_abandoned_uploads

    chunk(depot, "settings/logo", b"\x89PNG", 100, "forgotten")
    other = bearer_for(UserFactory(is_superuser=True))
    chunk(other, "settings/logo", b"\x89PNG", 100, "theirs")
    chunk(other, "settings/logo", b"\x89PNG", 100, "recent")
    for part in parts(settings)[:2]:
        age(part, CHUNK_KEEP_SECONDS + 5)
    due = [task.name for task in HUEY.read_periodic(datetime(2030, 1, 1, 10, 17))]
    assert "delete_abandoned_uploads" in due  # the worker runs it every hour
    delete_abandoned_uploads.call_local()
    assert len(parts(settings)) == 1


def test_a_picture_kept_on_disk_while_it_arrives_is_stored(staff_client, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    picture = io.BytesIO(noisy_png())
    picture.name = "photo.png"
    response = staff_client.post(
        "/connections/companies/add/", {"name": "Photo Co", "image": picture}
    )
    assert response.status_code == 302
    company = Company.objects.get()
    assert company.image.name.startswith("companies/photo")
    assert company.image.read() == picture.getvalue()
