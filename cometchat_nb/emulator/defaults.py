"""The embedded emulator's well-known configuration (any non-empty strings work)."""

APP_ID = "cometchat-nb-emulator"
REGION = "eu"
AUTH_KEY = "emulator-auth-key-0000000000000000000000a1b2"
REST_API_KEY = "emulator-rest-api-key-000000000000000000c3d4"
