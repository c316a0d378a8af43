"""Stable error codes for platform operations (sign-up, provisioning, the console)."""

from __future__ import annotations


class TenantError(Exception):
    code = "tenant_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class SubdomainUnavailable(TenantError):
    code = "subdomain_unavailable"


class ProvisioningFailed(TenantError):
    code = "provisioning_failed"


class TemplateMissing(TenantError):
    code = "template_missing"


class SchoolStateError(TenantError):
    """The school is not in a state that allows this (suspending a suspended school, …)."""

    code = "school_state"


class OperatorInvalid(TenantError):
    code = "operator_invalid"
