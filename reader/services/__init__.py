"""Every change to the data, as plain functions; callers commit once.

Services never touch the request; they raise the small named errors below,
which the blueprints map to HTTP and the CLI to one-line messages.
"""


class ServiceError(Exception):
    """Base of the errors a service raises for its caller to report."""


class ValidationError(ServiceError):
    """Input breaks a rule; ``errors`` maps each field to its message."""

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors.items()))


class NotAllowedError(ServiceError):
    """The user's role does not allow this (a published note of another, an override)."""


class StaleVersionError(ServiceError):
    """An update was based on an older version than the stored one."""

    def __init__(self, current, based_on):
        self.current = current
        self.based_on = based_on
        super().__init__(f"stale version {based_on}: the annotation is at version {current}")


class AnnotationImportError(ServiceError):
    """Import refused as a whole; ``problems`` lists ``(index, reason)`` per bad item."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = [f"item {index}: {reason}" for index, reason in self.problems]
        super().__init__(f"{len(self.problems)} bad item(s), nothing imported: " + "; ".join(lines))



class ReviewRequiredError(ServiceError):
    """Publishing this change needs another editor's approval first."""

    def __init__(self, kind):
        self.kind = kind
        super().__init__(f"a {kind} is published only once another editor approves it: "
                         "submit it for review")


class NotAwaitingReviewError(ServiceError):
    """The review step asked for does not apply to the note as it stands."""


class OwnChangeError(ServiceError):
    """An editor tried to review (approve, send back) a change of their own."""
