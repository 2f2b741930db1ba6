"""The Users pages: the list with its htmx table, the add modal and the edit page."""

import re

import pytest
from django.core import mail

from accounts.models import AccountSettings, User
from accounts.tests.factories import CollaboratorFactory, RestrictedUserFactory, UserFactory
from conftest import signed_in_client
from crm.tests.factories import ActivityFactory
from projects.tests.factories import JobFactory

pytestmark = pytest.mark.django_db

LIST = "/accounts/users/"
ADD_USER = "/accounts/users/add/standard/"
ADD_COLLABORATOR = "/accounts/users/add/collaborator/"
HTMX = {"HX-Request": "true"}
# What the search box, filters, sort and page links send: they target the table.
HTMX_TABLE = {**HTMX, "HX-Target": "users"}


def table_names(html: str) -> list[str]:
    """Names in the table, in order (each links to the user's edit page)."""
    return re.findall(r'<a href="/accounts/users/\d+/">([^<]+)</a>', html)


def edit_data(user: User, **changes) -> dict:
    data = {
        "name": user.name,
        "email": user.email,
        "jobtitle": user.jobtitle,
        "telephone": user.telephone,
    }
    data.update(changes)
    return data


# --- the list -------------------------------------------------------------------------


def test_list_shows_a_row_per_active_user(staff_client, admin_user, restricted_to):
    priya = UserFactory(name="Priya Shah", email="priya@studio.test", jobtitle="Producer")
    CollaboratorFactory(name="Sam Okafor", email="sam@freelance.test", collaborator_jobs=[4, 7])
    UserFactory(name="Tom Becker", is_active=False)
    restricted_to("reports", name="Rita Reed")

    response = staff_client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'aria-current="page">Users<' in html
    assert table_names(html) == ["Alex Admin", "Priya Shah", "Rita Reed", "Sam Okafor"]
    assert f'<a href="/accounts/users/{priya.pk}/">Priya Shah</a>' in html
    assert "priya@studio.test" in html and "Producer" in html
    assert '<span class="badge badge-blue">Standard</span>' in html
    assert '<span class="badge badge-amber">Collaborator</span>' in html
    assert '<span class="badge badge-green">Active</span>' in html
    assert "2 jobs" in html and "Full access" in html and "Administrator" in html
    assert "Restricted (1 area)" in html


def test_list_page_wires_search_filters_and_refresh(staff_client):
    html = staff_client.get(LIST).content.decode()
    search = re.search(r'<input type="search" id="user-search"[^>]*>', html, re.S).group(0)
    assert 'hx-trigger="input changed delay:300ms"' in search
    # Typing replaces the history entry; the form's explicit changes push one, and
    # the search box must not inherit that push (htmx prefers push over replace).
    assert 'hx-target="#users"' in search and 'hx-replace-url="true"' in search
    assert "hx-push-url" not in search
    form = re.search(r'<form class="filters" id="user-filters"[^>]*>', html, re.S).group(0)
    assert 'hx-push-url="true"' in form and 'hx-disinherit="hx-push-url"' in form
    assert 'hx-trigger="change from:#user-type, change from:#user-inactive, submit"' in form
    assert '<label for="user-search"' in html and '<label for="user-type"' in html
    assert 'id="user-inactive"' in html and "Show inactive" in html
    # The table container reloads itself when a user is added in the modal.
    assert re.search(r'id="users"[^>]*hx-trigger="usersChanged from:body"', html)
    assert 'hx-get="/accounts/users/add/standard/" hx-target="#modal-body"' in html
    assert 'hx-get="/accounts/users/add/collaborator/" hx-target="#modal-body"' in html
    assert ">Add user</button>" in html and ">Add collaborator</button>" in html


def test_search_as_you_type_answers_only_the_table(staff_client):
    UserFactory(name="Priya Shah", email="priya@studio.test")
    UserFactory(name="Shane Walsh", email="shane@studio.test")
    UserFactory(name="Tom Becker", email="tb@studio.test")

    response = staff_client.get(LIST, {"search": "sha", "type": ""}, headers=HTMX_TABLE)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="user-search"' not in body
    assert body.lstrip().startswith('<div class="table-container" id="users"')
    # First or last name, never the middle of a word.
    assert table_names(body) == ["Priya Shah", "Shane Walsh"]
    assert "Vary" in response and "HX-Request" in response["Vary"]

    body = staff_client.get(LIST, {"search": "TB@"}, headers=HTMX_TABLE).content.decode()
    assert table_names(body) == ["Tom Becker"]
    body = staff_client.get(LIST, {"search": "nobody"}, headers=HTMX_TABLE).content.decode()
    assert table_names(body) == [] and "No users match." in body


def test_search_state_survives_a_reload(staff_client):
    UserFactory(name="Priya Shah")
    UserFactory(name="Tom Becker")
    html = staff_client.get(LIST, {"search": "pri"}).content.decode()
    assert 'value="pri"' in html and "<html" in html
    assert table_names(html) == ["Priya Shah"]
    # The refresh after an add keeps the filters: it reloads the URL it was rendered for.
    assert 'hx-get="/accounts/users/?search=pri"' in html


def test_type_filter_and_inactive_toggle(staff_client, admin_user):
    UserFactory(name="Priya Shah")
    UserFactory(name="Tom Becker", is_active=False)
    CollaboratorFactory(name="Sam Okafor")
    CollaboratorFactory(name="Rae Gone", is_active=False)

    def names(**params):
        return table_names(staff_client.get(LIST, params, headers=HTMX_TABLE).content.decode())

    assert names(type="collaborator") == ["Sam Okafor"]
    assert names(type="standard") == ["Alex Admin", "Priya Shah"]
    assert names(type="") == ["Alex Admin", "Priya Shah", "Sam Okafor"]
    assert names(type="collaborator", inactive="1") == ["Rae Gone", "Sam Okafor"]
    assert names(inactive="1") == [
        "Alex Admin",
        "Priya Shah",
        "Rae Gone",
        "Sam Okafor",
        "Tom Becker",
    ]
    assert (
        '<span class="badge badge-grey">Inactive</span>'
        in staff_client.get(LIST, {"inactive": "1"}).content.decode()
    )
    # An unknown type is ignored rather than an error.
    assert names(type="robot") == ["Alex Admin", "Priya Shah", "Sam Okafor"]
    html = staff_client.get(LIST, {"type": "collaborator", "inactive": "1"}).content.decode()
    assert '<option value="collaborator" selected>' in html
    assert re.search(r'id="user-inactive"[^>]*checked', html)


def test_ordering_by_columns(staff_client, admin_user):
    UserFactory(name="Bea Byrne", email="z@studio.test", jobtitle="Producer")
    UserFactory(name="Cal Cole", email="a@studio.test", jobtitle="Animator")

    def names(sort):
        return table_names(
            staff_client.get(LIST, {"sort": sort}, headers=HTMX_TABLE).content.decode()
        )

    assert names("name") == ["Alex Admin", "Bea Byrne", "Cal Cole"]
    assert names("-name") == ["Cal Cole", "Bea Byrne", "Alex Admin"]
    assert names("email") == ["Cal Cole", "Alex Admin", "Bea Byrne"]
    assert names("jobtitle") == ["Cal Cole", "Alex Admin", "Bea Byrne"]
    assert names("not-a-column") == ["Alex Admin", "Bea Byrne", "Cal Cole"]
    # Sort links keep the search and swap the table in place.
    html = staff_client.get(LIST, {"search": "c", "sort": "name"}).content.decode()
    assert 'hx-get="?search=c&amp;sort=-name"' in html
    assert 'aria-sort="ascending"' in html


def test_pagination_is_25_a_page(staff_client, admin_user):
    for index in range(30):
        UserFactory(name=f"Person {index:02d}", email=f"p{index:02d}@studio.test")
    first = staff_client.get(LIST, headers=HTMX_TABLE).content.decode()
    assert len(table_names(first)) == 25
    assert "Page 1 of 2" in first and "1–25 of 31" in first
    assert 'hx-get="?page=2"' in first
    second = staff_client.get(LIST, {"page": "2"}, headers=HTMX_TABLE).content.decode()
    assert table_names(second) == [f"Person {index:02d}" for index in range(24, 30)]
    # Out of range falls back to the last page instead of a 404.
    assert staff_client.get(LIST, {"page": "9"}).status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_list_queries_do_not_grow_with_users(staff_client, django_assert_max_num_queries, count):
    for index in range(count - 1):  # the signed-in admin is one of them
        UserFactory(email=f"n{index}@studio.test", collaborator_jobs=[1, 2])
    AccountSettings.load()  # the first page view of a new account creates the row
    # session, signed-in user, account settings (title), count, one page of users
    with django_assert_max_num_queries(5):
        response = staff_client.get(LIST)
    assert response.status_code == 200
    assert len(table_names(response.content.decode())) == min(count, 25)


# --- adding users -----------------------------------------------------------------------


def test_add_user_form_opens_in_the_modal(staff_client):
    response = staff_client.get(ADD_USER, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert '<h2 id="modal-title">Add user</h2>' in html
    assert 'hx-post="/accounts/users/add/standard/" hx-target="#modal-body"' in html
    for field, label in [("name", "Name"), ("email", "Email"), ("jobtitle", "Job title")]:
        assert f'<label for="id_{field}">{label}' in html
    assert '<label for="id_telephone">Telephone</label>' in html
    assert re.search(r'<label for="id_restricted"><input type="checkbox"[^>]*> Restricted', html)
    assert "<fieldset><legend>Areas</legend>" in html
    invoices = r'<input type="checkbox" name="permissions" value="invoices"[^>]*>\s*Invoices'
    assert re.search(invoices, html)
    assert 'name="jobs"' not in html


def test_add_user_creates_them_and_sends_the_invitation(
    staff_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            ADD_USER,
            {
                "name": "Nina Novak",
                "email": "Nina@Studio.test",
                "jobtitle": "Animator",
                "telephone": "028 9000 0000",
                "restricted": "on",
                "permissions": ["projects", "timesheets"],
            },
            headers=HTMX,
        )
    assert response.status_code == 204
    events = response["HX-Trigger"]
    assert '"closeModal": true' in events and '"usersChanged": true' in events
    assert '"showMessage"' in events and "invitation sent to nina@studio.test" in events
    nina = User.objects.get(email="nina@studio.test")
    assert (nina.name, nina.jobtitle, nina.telephone) == ("Nina Novak", "Animator", "028 9000 0000")
    assert nina.type == User.Type.STANDARD and nina.restricted
    assert nina.permissions == ["projects", "timesheets"]
    assert not nina.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@studio.test"]


def test_add_collaborator_with_job_numbers(staff_client, django_capture_on_commit_callbacks):
    JobFactory(id=12), JobFactory(id=15)
    form = staff_client.get(ADD_COLLABORATOR, headers=HTMX).content.decode()
    assert '<h2 id="modal-title">Add collaborator</h2>' in form
    assert "Job numbers" in form and 'name="permissions"' not in form
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            ADD_COLLABORATOR,
            {"name": "Sam Okafor", "email": "sam@freelance.test", "jobs": "15, 12,12"},
            headers=HTMX,
        )
    assert response.status_code == 204
    sam = User.objects.get(email="sam@freelance.test")
    assert sam.is_collaborator and sam.restricted and sam.collaborator_jobs == [12, 15]
    assert mail.outbox[0].to == ["sam@freelance.test"]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"name": "Nina", "email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "", "email": "nina@studio.test"}, "This field is required."),
        ({"name": "Again", "email": "ADMIN@studio.test"}, "is already used by another user."),
    ],
)
def test_add_user_errors_show_inline_in_the_modal(staff_client, admin_user, data, error):
    response = staff_client.post(ADD_USER, data, headers=HTMX)
    # 200 so htmx swaps the form back into the modal.
    assert response.status_code == 200 and "HX-Trigger" not in response
    html = response.content.decode()
    assert '<h2 id="modal-title">Add user</h2>' in html
    assert re.search(rf'<small class="field-error"[^>]*>[^<]*{re.escape(error)}', html)
    assert f'value="{data["name"]}"' in html or not data["name"]
    assert User.objects.count() == 1
    assert mail.outbox == []


def test_add_collaborator_refuses_words_for_job_numbers(staff_client, admin_user):
    response = staff_client.post(
        ADD_COLLABORATOR,
        {"name": "Bad", "email": "bad@freelance.test", "jobs": "twelve"},
        headers=HTMX,
    )
    assert "Enter job numbers separated by commas" in response.content.decode()
    assert not User.objects.filter(email="bad@freelance.test").exists()


def test_add_user_works_as_a_page_without_htmx(staff_client, django_capture_on_commit_callbacks):
    page = staff_client.get(ADD_USER).content.decode()
    assert "<html" in page and "<h1>Add user</h1>" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            ADD_USER, {"name": "Nina Novak", "email": "nina@studio.test"}, follow=True
        )
    assert response.redirect_chain == [(LIST, 302)]
    assert "invitation sent to nina@studio.test" in response.content.decode()
    assert User.objects.filter(email="nina@studio.test").exists()


def test_add_unknown_kind_is_404(staff_client):
    assert staff_client.get("/accounts/users/add/robot/", headers=HTMX).status_code == 404


# --- editing ------------------------------------------------------------------------------


def test_edit_page_shows_the_user(staff_client):
    user = UserFactory(name="Lena Vogel", email="lena@studio.test", address_city="Belfast")
    html = staff_client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert "<h1>Lena Vogel</h1>" in html
    assert 'value="lena@studio.test"' in html and 'value="Belfast"' in html
    for label in ("Address line 1", "City", "Postcode", "Country", "Areas"):
        assert label in html
    assert ">Save changes</button>" in html
    assert ">Deactivate</button>" in html and ">Delete user</button>" in html
    assert 'data-confirm="Deactivate Lena Vogel?' in html
    assert 'data-confirm="Delete Lena Vogel?' in html
    # She has a password, so there is no invitation to resend.
    assert "Resend invitation" not in html


def test_edit_saves_details_address_and_permissions(staff_client):
    user = UserFactory(name="Lena Vogel", email="lena@studio.test")
    response = staff_client.post(
        f"/accounts/users/{user.pk}/",
        edit_data(
            user,
            name="Lena Vogel-Park",
            email="LENA.PARK@studio.test",
            jobtitle="Art director",
            telephone="+44 28 9000 1111",
            address_line1="1 Quay Street",
            address_city="Belfast",
            address_postcode="BT1 1AA",
            address_country="United Kingdom",
            restricted="on",
            permissions=["projects", "reports"],
        ),
        follow=True,
    )
    assert response.redirect_chain == [(f"/accounts/users/{user.pk}/", 302)]
    assert "Lena Vogel-Park was saved." in response.content.decode()
    user.refresh_from_db()
    assert (user.name, user.email, user.jobtitle) == (
        "Lena Vogel-Park",
        "lena.park@studio.test",
        "Art director",
    )
    assert user.address["line1"] == "1 Quay Street" and user.address_postcode == "BT1 1AA"
    assert user.restricted and user.permissions == ["projects", "reports"]

    # Unticking "restricted" gives full access again.
    staff_client.post(f"/accounts/users/{user.pk}/", edit_data(user, permissions=["reports"]))
    user.refresh_from_db()
    assert not user.restricted and user.permissions == []


def test_edit_collaborator_jobs(staff_client):
    sam = CollaboratorFactory(name="Sam Okafor", collaborator_jobs=[3])
    JobFactory(id=3), JobFactory(id=9)
    html = staff_client.get(f"/accounts/users/{sam.pk}/").content.decode()
    assert 'value="3"' in html and "Job numbers" in html
    staff_client.post(f"/accounts/users/{sam.pk}/", edit_data(sam, jobs="3, 9"))
    sam.refresh_from_db()
    assert sam.collaborator_jobs == [3, 9] and sam.is_collaborator


def test_a_collaborators_job_that_does_not_exist_is_refused_on_its_field(staff_client):
    sam = CollaboratorFactory(name="Sam Okafor", collaborator_jobs=[3])
    JobFactory(id=3)
    response = staff_client.post(f"/accounts/users/{sam.pk}/", edit_data(sam, jobs="3, 404"))
    html = response.content.decode()
    assert "Job numbers: there is no job 404." in html
    sam.refresh_from_db()
    assert sam.collaborator_jobs == [3]


def test_edit_errors_from_the_service_show_on_their_field(staff_client, admin_user):
    user = UserFactory(name="Lena Vogel", email="lena@studio.test")
    response = staff_client.post(
        f"/accounts/users/{user.pk}/", edit_data(user, email="admin@studio.test", name="Changed")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'<small class="field-error" id="id_email_error"[^>]*>'
        r"Email admin@studio.test is already used by another user",
        html,
    )
    user.refresh_from_db()
    assert (user.name, user.email) == ("Lena Vogel", "lena@studio.test")


def test_edit_unknown_user_is_404(staff_client):
    assert staff_client.get("/accounts/users/999999/").status_code == 404


def test_resend_invitation_only_while_it_is_pending(
    staff_client, django_capture_on_commit_callbacks
):
    invited = UserFactory(name="Nina Novak", email="nina@studio.test")
    invited.set_unusable_password()
    invited.save()
    html = staff_client.get(f"/accounts/users/{invited.pk}/").content.decode()
    assert "Invitation pending" in html and ">Resend invitation</button>" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/accounts/users/{invited.pk}/invite/", follow=True)
    assert "A new invitation is on its way to nina@studio.test." in response.content.decode()
    assert [message.to for message in mail.outbox] == [["nina@studio.test"]]


# --- deactivate, reactivate, delete --------------------------------------------------------


def test_deactivate_then_reactivate(staff_client):
    user = UserFactory(name="Tom Becker")
    response = staff_client.post(f"/accounts/users/{user.pk}/active/", {"active": "0"}, follow=True)
    html = response.content.decode()
    assert "Tom Becker was deactivated" in html and ">Reactivate</button>" in html
    user.refresh_from_db()
    assert not user.is_active
    assert "Tom Becker" not in staff_client.get(LIST).content.decode()

    staff_client.post(f"/accounts/users/{user.pk}/active/", {"active": "1"})
    user.refresh_from_db()
    assert user.is_active


def test_you_cannot_deactivate_or_delete_yourself(staff_client, admin_user):
    html = staff_client.get(f"/accounts/users/{admin_user.pk}/").content.decode()
    assert "Deactivate" not in html and "Delete user" not in html
    response = staff_client.post(
        f"/accounts/users/{admin_user.pk}/active/", {"active": "0"}, follow=True
    )
    assert "You cannot deactivate your own user." in response.content.decode()
    response = staff_client.post(f"/accounts/users/{admin_user.pk}/delete/", follow=True)
    assert "You cannot delete your own user." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_delete_a_user_without_records(staff_client):
    user = UserFactory(name="Tom Becker")
    response = staff_client.post(f"/accounts/users/{user.pk}/delete/", follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Tom Becker was deleted." in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()


def test_delete_a_user_with_records_deactivates_them(staff_client):
    user = UserFactory(name="Tom Becker")
    ActivityFactory(added_by=user)
    response = staff_client.post(f"/accounts/users/{user.pk}/delete/", follow=True)
    assert "so they were deactivated instead of deleted" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active


def test_changes_need_post(staff_client):
    user = UserFactory()
    for action in ("active", "delete", "invite"):
        assert staff_client.get(f"/accounts/users/{user.pk}/{action}/").status_code == 405
    assert User.objects.get(pk=user.pk).is_active


# --- who may --------------------------------------------------------------------------------


def every_users_request(target: User):
    yield "get", LIST, {}
    yield "get", ADD_USER, {}
    yield "post", ADD_COLLABORATOR, {"name": "Sneaky", "email": "sneaky@studio.test"}
    yield "get", f"/accounts/users/{target.pk}/", {}
    yield "post", f"/accounts/users/{target.pk}/", {"name": "Hacked", "email": target.email}
    yield "post", f"/accounts/users/{target.pk}/active/", {"active": "0"}
    yield "post", f"/accounts/users/{target.pk}/delete/", {}
    yield "post", f"/accounts/users/{target.pk}/invite/", {}


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: CollaboratorFactory(), id="collaborator"),
        pytest.param(
            lambda: RestrictedUserFactory(permissions=["contacts", "projects"]),
            id="restricted-without-users",
        ),
    ],
)
def test_only_people_with_the_users_area_get_in(make_user):
    target = UserFactory(name="Target Person", email="target@studio.test")
    client = signed_in_client(make_user())
    for method, url, data in every_users_request(target):
        response = getattr(client, method)(url, data, headers=HTMX)
        assert response.status_code == 403, (method, url)
    target.refresh_from_db()
    assert target.is_active and target.name == "Target Person"
    assert not User.objects.filter(email="sneaky@studio.test").exists()


def test_a_restricted_user_with_the_users_area_gets_in(restricted_to):
    client = signed_in_client(restricted_to("users"))
    assert client.get(LIST).status_code == 200
    assert client.get(ADD_USER, headers=HTMX).status_code == 200


@pytest.mark.parametrize("url", [LIST, ADD_USER, "/accounts/users/1/"])
def test_signed_out_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


# --- restricted users need at least one area ----------------------------------------------


def test_restricted_with_no_areas_is_refused_inline(staff_client, admin_user, restricted_to):
    response = staff_client.post(
        ADD_USER,
        {"name": "Rita Reed", "email": "rita@studio.test", "restricted": "on"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'<small class="field-error" id="id_permissions_error"[^>]*>'
        r"Tick at least one area they may use, or untick Restricted.",
        html,
    )
    assert not User.objects.filter(email="rita@studio.test").exists()

    user = restricted_to("reports", name="Lena Vogel")
    response = staff_client.post(f"/accounts/users/{user.pk}/", edit_data(user, restricted="on"))
    assert "Tick at least one area" in response.content.decode()
    user.refresh_from_db()
    assert user.permissions == ["reports"]


def test_the_restricted_box_switches_the_areas(staff_client):
    html = staff_client.get(ADD_USER, headers=HTMX).content.decode()
    assert re.search(
        r'<input type="checkbox" name="restricted"[^>]*data-enables="permissions"', html
    )


# --- invitations that are still pending ------------------------------------------------------


def test_list_says_when_an_invitation_is_pending(staff_client):
    invited = UserFactory(name="Nina Novak", email="nina@studio.test")
    invited.set_unusable_password()
    invited.save()
    html = staff_client.get(LIST).content.decode()
    row = html.split("Nina Novak")[1].split("</tr>")[0]
    assert "Invitation pending" in row and "badge-green" not in row


def test_template_comments_stay_out_of_the_page(staff_client):
    assert "{#" not in staff_client.get(LIST).content.decode()


def test_edit_page_marks_a_pending_invitation_like_the_list(staff_client):
    invited = UserFactory(name="Nina Novak")
    invited.set_unusable_password()
    invited.save()
    html = staff_client.get(f"/accounts/users/{invited.pk}/").content.decode()
    assert '<span class="badge badge-amber">Invitation pending</span>' in html


# --- your own access ------------------------------------------------------------------------


def test_your_own_access_is_shown_but_cannot_be_changed(staff_client, admin_user):
    html = staff_client.get(f"/accounts/users/{admin_user.pk}/").content.decode()
    assert "You can't change your own access" in html
    access = html.split('id="own-access"')[1].split("</fieldset>")[0]
    # Nothing in it can be ticked, and nothing named in it is sent but the current values.
    assert not re.search(r'<input type="checkbox" name=', access)
    assert access.count('<input type="checkbox" disabled') == 1 + len(re.findall(r"<li>", access))
    assert "<fieldset disabled" in access
    assert 'name="restricted"' not in access  # not restricted: nothing to send back

    # The rest of the form saves as before.
    response = staff_client.post(
        f"/accounts/users/{admin_user.pk}/", edit_data(admin_user, jobtitle="Studio head")
    )
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.jobtitle == "Studio head" and admin_user.restricted is False


def test_a_restricted_user_editing_themselves_keeps_their_areas(restricted_to):
    me = restricted_to("reports", "users", name="Rita Reed")
    client = signed_in_client(me)
    html = client.get(f"/accounts/users/{me.pk}/").content.decode()
    access = html.split('id="own-access"')[1].split("</fieldset>")[0]
    # What they have, ticked and greyed out; the same values go back with the form.
    assert '<input type="hidden" name="restricted" value="on">' in access
    sent_back = re.findall(r'<input type="hidden" name="permissions" value="([a-z]+)">', access)
    assert sorted(sent_back) == ["reports", "users"]
    assert re.search(r'<input type="checkbox" disabled checked[^>]*> Reports', access)
    assert re.search(r'<input type="checkbox" disabled > Account settings', access)

    data = edit_data(me, telephone="028 9000 1111", restricted="on", permissions=sent_back)
    response = client.post(f"/accounts/users/{me.pk}/", data)
    assert response.status_code == 302, re.findall(
        r'class="field-error"[^>]*>([^<]+)', response.content.decode()
    )
    me.refresh_from_db()
    assert me.telephone == "028 9000 1111"
    assert (me.restricted, sorted(me.permissions)) == (True, ["reports", "users"])

    # Sending something else anyway is still refused, next to the greyed-out areas.
    data["permissions"] = ["users", "reports", "settings"]
    response = client.post(f"/accounts/users/{me.pk}/", data)
    assert response.status_code == 200
    access = response.content.decode().split('id="own-access"')[1].split("</div>")[0]
    assert "can&#x27;t be changed on your own user" in access
    me.refresh_from_db()
    assert "settings" not in me.permissions


def test_someone_elses_access_can_be_changed(staff_client):
    user = UserFactory(name="Lena Vogel")
    html = staff_client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert "change your own access" not in html
    assert re.search(r'<input type="checkbox" name="restricted"[^>]*data-enables', html)
    assert 'name="permissions"' in html and "<fieldset disabled" not in html
