"""Reads of projects that the API and (later) the pages share."""

from config.limits import MAX_ID

from .models import Project


def projects_matching(
    *,
    search: str = "",
    client: tuple[str, int] | None = None,
    statuses: list[str] | None = None,
    team_email: str = "",
    contact_id: int | None = None,
):
    """Projects whose title contains `search`, for one client (("C", 41) or ("I", 5)),
    in any of `statuses`, with a team member by email, or linked to a person."""
    projects = Project.objects.all()
    if search:
        projects = projects.filter(title__icontains=search)
    if client is not None:
        letter, client_id = client
        if not 0 < client_id <= MAX_ID:
            return projects.none()
        column = "client_company_id" if letter == "C" else "client_contact_id"
        projects = projects.filter(**{column: client_id})
    if statuses:
        projects = projects.filter(status__in=statuses)
    if team_email:
        projects = projects.filter(
            pk__in=Project.team.through.objects.filter(user__email__iexact=team_email).values(
                "project_id"
            )
        )
    if contact_id is not None:
        if not 0 < contact_id <= MAX_ID:
            return projects.none()
        projects = projects.filter(
            pk__in=Project.contacts.through.objects.filter(contact_id=contact_id).values(
                "project_id"
            )
        )
    return projects


def team_by_project(project_ids: list[int]) -> dict[int, list[dict]]:
    """Each project's team as Depot shows it ({email, name}), in one query."""
    team: dict[int, list[dict]] = {}
    links = (
        Project.team.through.objects.filter(project_id__in=project_ids)
        .order_by("user__name", "user__email")
        .values_list("project_id", "user__email", "user__name")
    )
    for project_id, email, name in links:
        team.setdefault(project_id, []).append({"email": email, "name": name})
    return team


def contacts_by_project(project_ids: list[int]) -> dict[int, list[dict]]:
    """Each project's linked people ({id, name}), in one query."""
    contacts: dict[int, list[dict]] = {}
    links = (
        Project.contacts.through.objects.filter(project_id__in=project_ids)
        .order_by("contact__fullname", "contact_id")
        .values_list("project_id", "contact_id", "contact__fullname")
    )
    for project_id, contact_id, name in links:
        contacts.setdefault(project_id, []).append({"id": contact_id, "name": name})
    return contacts
