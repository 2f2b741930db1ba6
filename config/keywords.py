"""What a service takes, said once: the fields of a write are a TypedDict the service
names in its signature (`**fields: Unpack[CompanyFields]`), and a name outside it is
a TypeError, as an unknown keyword is for any Python function. A client's unknown
field never gets this far (the API refuses it with a 400, a form only sends its
own fields); this catches the caller that misspells one, which would otherwise be
a write that silently left the field as it was."""

from collections.abc import Mapping
from typing import Any


def only_known(fields: Mapping[str, Any], described_by: type) -> Mapping[str, Any]:
    unknown = sorted(set(fields) - set(described_by.__annotations__))
    if unknown:
        raise TypeError(
            f"unexpected field {', '.join(unknown)}: {described_by.__name__} lists the fields"
        )
    return fields
