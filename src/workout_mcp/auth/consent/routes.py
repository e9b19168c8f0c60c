"""The routes of `/oauth/consent`."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from workout_mcp.auth.consent.decisions import Decisions, RecentDecisions
from workout_mcp.auth.consent.pages import CONSENT_PATH, STYLE_PATH
from workout_mcp.auth.consent.signin import SignIn
from workout_mcp.config import Settings


class ConsentPage(Decisions, SignIn):
    """Routes of `/oauth/consent`; reads `sealer` and `http` from `app.state.services` per request."""

    def __init__(self, settings: Settings, *, decisions: RecentDecisions | None = None) -> None:
        super().__init__(settings)
        self.decisions = decisions or RecentDecisions()

    def routes(self) -> list[BaseRoute]:
        return [
            Route(CONSENT_PATH, self.show, methods=["GET"]),
            Route(f"{CONSENT_PATH}/password", self.sign_in_password, methods=["POST"]),
            Route(f"{CONSENT_PATH}/otp", self.send_code, methods=["POST"]),
            Route(f"{CONSENT_PATH}/verify", self.verify_code, methods=["POST"]),
            Route(f"{CONSENT_PATH}/decision", self.decide, methods=["POST"]),
            Route(f"{CONSENT_PATH}/signout", self.sign_out, methods=["POST"]),
            Route(STYLE_PATH, self.style, methods=["GET", "HEAD"]),
        ]


def consent_routes(settings: Settings) -> list[BaseRoute]:
    """The consent page's routes, for `create_app`."""
    return ConsentPage(settings).routes()
