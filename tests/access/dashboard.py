"""Access rules of the leaders' dashboard and the semester archive: leaders, managers, admins."""

from tests.access import STUDIO, Route

ROUTES = {
    "dashboard.index": Route("GET", "/dashboard", STUDIO),
    "dashboard.activities": Route("GET", "/dashboard/activities", STUDIO),
    "dashboard.attendance": Route("GET", "/dashboard/attendance", STUDIO),
    "dashboard.participation": Route("GET", "/dashboard/participation", STUDIO),
    "dashboard.pairings": Route("GET", "/dashboard/pairings", STUDIO),
    "dashboard.achievements": Route("GET", "/dashboard/achievements", STUDIO),
    "archive.index": Route("GET", "/archive", STUDIO),
    "archive.download": Route("GET", "/archive/{semester}.zip", STUDIO),
    "archive.report": Route("GET", "/archive/{semester}/report", STUDIO),
}
