"""Access rules of the leaders' dashboard and the semester archive: leaders, managers, admins."""

from tests.access import STUDIO, Route

ROUTES = {
    "dashboard.index": Route("GET", "/dashboard", STUDIO),
    "dashboard.activities": Route("GET", "/dashboard/activities?level=school", STUDIO),
    "dashboard.attendance": Route("GET", "/dashboard/attendance?month=2026-10", STUDIO),
    "dashboard.participation": Route("GET", "/dashboard/participation?group=party", STUDIO),
    "dashboard.pairings": Route("GET", "/dashboard/pairings?state=behind", STUDIO),
    "dashboard.achievements": Route("GET", "/dashboard/achievements?level=city", STUDIO),
    "archive.index": Route("GET", "/archive", STUDIO),
    "archive.download": Route("GET", "/archive/{semester}.zip", STUDIO),
    "archive.report": Route("GET", "/archive/{semester}/report", STUDIO),
}
