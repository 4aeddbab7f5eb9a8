"""Domain errors: a small tree under one base, each a rule the domain enforces."""


class RectifyError(Exception):
    """Base of every error the domain raises; `field` names the input it is about, if any."""

    code = "rule_broken"
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class NotFound(RectifyError):
    code = "not_found"


class FindingNotFound(NotFound):
    code = "finding_not_found"


class UnitNotFound(NotFound):
    code = "unit_not_found"


class UserNotFound(NotFound):
    code = "user_not_found"


class InvalidTransition(RectifyError):
    code = "invalid_transition"


class SeparationOfDuties(RectifyError):
    code = "separation_of_duties"


class DeadlineNotLater(RectifyError):
    code = "deadline_not_later"
    field = "due_date"


class DueDateBeforeIssue(RectifyError):
    code = "due_date_before_issue"
    field = "due_date"


class DueDateRequired(RectifyError):
    """A finding with a fixed term needs a due date (only a long-term item may have none)."""

    code = "due_date_required"
    field = "due_date"


class OccurredInFuture(RectifyError):
    code = "occurred_in_future"
    field = "occurred_at"


class OccurredBeforePrevious(RectifyError):
    code = "occurred_before_previous"
    field = "occurred_at"


class WarningAlreadyRecorded(RectifyError):
    code = "warning_already_recorded"


class DuplicateReference(RectifyError):
    code = "duplicate_reference"


class DuplicateUnit(RectifyError):
    code = "duplicate_unit"


class DuplicateUser(RectifyError):
    code = "duplicate_user"


class CycleInTree(RectifyError):
    code = "cycle_in_tree"


class RoleNotPermitted(RectifyError):
    code = "role_not_permitted"


class NotAuthenticated(RectifyError):
    code = "not_authenticated"


class ConcurrentChange(RectifyError):
    code = "concurrent_change"


class VersionMismatch(RectifyError):
    code = "version_mismatch"


class IdempotencyKeyReused(RectifyError):
    code = "idempotency_key_reused"


class UnknownUnit(RectifyError):
    """A request names a unit that is not registered (a field error, not a missing resource)."""

    code = "unknown_unit"
    field = "unit"


class RecordBroken(RectifyError):
    """An aggregate's stored events are not in sequence: one was removed from the store (or put in)."""

    code = "record_broken"


class EvidenceNotAttached(RectifyError):
    """A fix names a file of evidence (by its sha256) that was never attached to the finding."""

    code = "evidence_not_attached"
    field = "evidence"


class EvidenceTooLarge(RectifyError):
    """A file of evidence is larger than RECTIFY_EVIDENCE_MAX_MB."""

    code = "evidence_too_large"
    field = "file"


class EvidenceTypeNotAllowed(RectifyError):
    """A file of evidence whose content is none of the allowed types (whatever its name says)."""

    code = "evidence_type_not_allowed"
    field = "file"


class EvidenceNotFound(NotFound):
    """No file with that sha256 is attached to the finding (or its bytes are not stored)."""

    code = "evidence_not_found"


class LedgerTypeNotSupported(RectifyError):
    """A ledger in a format the import does not read (an old binary .xls workbook)."""

    code = "ledger_type_not_supported"
    field = "file"
