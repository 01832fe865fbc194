"""Spontaneous applications in the companies' store: one document each, its event inside (an
application's id says the seeker, the company and the period: one each a period)."""

from __future__ import annotations

from servicekit.seeker_applications import SeekerApplications

ApplicationStore = SeekerApplications
