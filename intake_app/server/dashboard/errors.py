"""The dashboard's typed errors (messages ``error.<code>`` in resources/i18n/dashboard.*.json)."""

from __future__ import annotations

from ..errors import ServerError


class DashboardFilterInvalid(ServerError):
    """A filter in the address has a value the dashboard does not know. params: param (its name)."""

    code = "dashboard_filter_invalid"
    status = 400


class DashboardViewUnknown(ServerError):
    """params: view."""

    code = "dashboard_view_unknown"
    status = 404


class DashboardTableUnknown(ServerError):
    """params: view (the table's name is never echoed: it is typed text)."""

    code = "dashboard_table_unknown"
    status = 404
