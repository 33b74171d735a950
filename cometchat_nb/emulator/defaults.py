"""The emulator's well-known configuration, importable without loading the emulator.

Any non-empty strings work as keys; these are the ones a bare `Emulator()` and
`cometchat-nb emulator` use, local and throwaway.
"""

from __future__ import annotations

APP_ID = "cometchat-nb-emulator"
REGION = "eu"
AUTH_KEY = "emulator-auth-key-0000000000000000000000a1b2"
REST_API_KEY = "emulator-rest-api-key-000000000000000000c3d4"
