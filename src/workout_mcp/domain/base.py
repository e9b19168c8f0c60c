"""The base of every pydantic model of ours: validators and serializers built on first use, not at import.

Pydantic builds a model's core schema, validator and serializer when its class is defined. For the ~65
models here that is most of what importing the app costs (tens of milliseconds and a few MiB on every
cold start), yet a process only ever uses the few its requests touch: a `tools/call` of one tool builds
that tool's arguments and answer, nothing else. `defer_build` moves each build to the model's first
validation, serialization or JSON schema, with the same result.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
