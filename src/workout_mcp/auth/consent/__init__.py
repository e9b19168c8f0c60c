"""The consent page: Supabase's "Authorization Path", where a person signs in and lets an MCP client in.

Supabase's `/auth/v1/oauth/authorize` sends the browser here with `?authorization_id=`. The person signs
in (password, or a code sent by email), then approves or denies through Supabase's
`/auth/v1/oauth/authorizations/{id}` endpoints, and the browser follows Supabase's `redirect_url`.

Security model (nothing is stored server-side, so any machine can serve any step):

- The user's Supabase access token lives only in a sealed, HttpOnly, 15-minute session cookie. It never
  reaches HTML or logs.
- Every form carries a CSRF token sealed by us and bound to this browser's CSRF cookie and to the
  authorization id; every POST checks it. Cookies are `__Host-` on https, `SameSite=Lax`, `HttpOnly`.
- Bound to its authorization: the page acts only on the authorization it shows. Supabase reveals an
  authorization's `state` (sealed by our `/oauth/authorize`, `auth/flow.py`) only in the `redirect_url` of
  an approved authorization, so once the person is signed in the page approves upstream, opens that
  state and checks its flow nonce against this browser's flow cookie before it shows or follows
  anything. A flow started elsewhere (an attacker's authorization id opened in a victim's browser) is
  an error page, never a redirect. The client's name, redirect host and the remembered decision come
  from that sealed state; before sign-in the page names no client.
- Per-MCP-client consent: we use one upstream Supabase client for every MCP client, so Supabase's
  approval (automatic for a returning user, or ours above) says nothing about a particular MCP client.
  Unless this browser's sealed "remembered consents" cookie holds (user, MCP client), the person
  approves the MCP client named by the authorization's state; Deny sends `access_denied` to the client
  and Supabase's code is never followed.
- Every redirect is a 303 (a 307 after a POST would make the browser re-POST to the client's callback).

Files: `pages.py` (rendering, CSP, request plumbing), `cookies.py` (this browser's cookies and the
binding to the authorization's sealed state), `csrf.py`, `signin.py` (password and email-code
sign-in), `decisions.py` (what the page shows once signed in, and the Allow / Deny answer),
`routes.py` (the routes of `/oauth/consent`).
"""

from __future__ import annotations

from workout_mcp.auth.consent.cookies import SESSION_TTL_SECONDS
from workout_mcp.auth.consent.decisions import RecentDecisions
from workout_mcp.auth.consent.routes import ConsentPage, consent_routes

__all__ = ["SESSION_TTL_SECONDS", "ConsentPage", "RecentDecisions", "consent_routes"]
