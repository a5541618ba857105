"""The console's refusals: an HTTP status, a stable code (the same codes a technician finds in
the log), and what the person should do, shown on a page in their language."""

from __future__ import annotations

from kiosk.backoffice.console.i18n import N_

# code -> what the page says (translated when shown)
EXPLANATIONS = {
    "CSRF_MISSING": N_("The form was sent without its security token. Reload the page and "
                       "try again."),
    "CSRF_INVALID": N_("The form's security token is not this session's (the page was "
                       "opened before you signed in again). Reload the page and try again."),
    "FORBIDDEN": N_("Your role does not allow this page. Ask the Comune's administrator if "
                    "you need it."),
    "NOT_FOUND": N_("There is no such page in the console."),
    "METHOD_NOT_ALLOWED": N_("This page cannot be used that way."),
    "LOGIN_LOCKED": N_("Too many wrong attempts: signing in is paused for this account or "
                       "this computer. Wait a few minutes and try again."),
    "KIOSK_NOT_FOUND": N_("There is no such kiosk."),
    "KIOSK_REVOKED": N_("This kiosk has been revoked: it takes no commands."),
    "KIOSK_EXISTS": N_("A kiosk of that name exists; ask for a new token for it instead."),
    "TICKET_NOT_FOUND": N_("There is no such ticket."),
    "TICKET_NOT_OPEN": N_("Another clerk has claimed or closed this ticket meanwhile: open "
                          "it again to see who."),
    "TICKET_NOT_CLAIMED": N_("Claim the ticket before completing it."),
    "REASON_REQUIRED": N_("A refusal needs its reason: go back and write why."),
    "PHOTO_NOT_AVAILABLE": N_("This ticket has no photo to show."),
    "BAD_INPUT": N_("Something in the form is not right; go back, check it and send it "
                    "again."),
    "INTERNAL_ERROR": N_("The console failed to answer. The server's log has the details."),
    "DATABASE_UNAVAILABLE": N_("The database is not answering. Try again in a moment."),
}


class ConsoleError(Exception):
    def __init__(self, status: int, code: str, detail: str | None = None) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail


class SignInRequired(Exception):
    """No one (or no longer anyone) is signed in: the page sends them to the sign-in form."""
