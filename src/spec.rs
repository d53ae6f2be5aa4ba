//! The embedded OpenAPI specs and validation of JSON documents against their schemas.
