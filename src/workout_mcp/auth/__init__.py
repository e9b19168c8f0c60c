"""Identity: Supabase's JWTs checked against its JWKS, the OAuth facade, the consent page.

PyJWT imports `cryptography.x509` for keys given as X.509 certificates (a JWK's `x5c`, PEM certificates),
which Supabase's JWKS never carries and `jwks.parse_jwk` never reads: 13 modules, ~18 ms and ~0.8 MiB on
every start (`python -X importtime`, `bench.startup_breakdown`). The package defers that import until
something uses it, before `jwks` imports PyJWT; whatever touches `x509` then loads it as usual.
"""

from workout_mcp.lazy_import import defer_import

defer_import("cryptography.x509")
