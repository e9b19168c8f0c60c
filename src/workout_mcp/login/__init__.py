"""`workout-mcp login` and `workout-mcp token`: a bearer token for clients that cannot run OAuth.

Hosts like the OpenAI Responses API's `mcp` tool, or a curl script, send `Authorization: Bearer …`
and nothing else. `login` runs the whole OAuth flow against a server's facade from the terminal (the
MCP SDK's own client: discovery, registration, PKCE, the consent page in the browser, a loopback
redirect) and keeps the refresh token in the user's config directory (0600); `token` prints a fresh
access token, refreshing it when it is about to expire.
"""
