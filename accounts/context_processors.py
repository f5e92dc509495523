from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from people.access import citizen_of, is_staff_member, works_in_a_municipal_unit

# The menu shows "Review emergency access" to those allowed to. Asking costs two queries on every
# page, so the answer is kept for a few minutes per user; the review pages themselves always ask.
MENU_PERMISSION_SECONDS = 300


def account_kind(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_staff_member": is_staff_member(user),
        "own_citizen": citizen_of(user),
        "may_review_emergency_access": SimpleLazyObject(lambda: _may_review_emergency_access(user)),
        # Loaded with the user (accounts.backends); the reports themselves ask people.access.
        "leads_units": getattr(user, "leads_units", False),
        # The outcome report: leaders (their units) and municipal staff (their own caseload);
        # insights.scope.report_scope decides on the page itself.
        "may_see_reports": getattr(user, "leads_units", False) or works_in_a_municipal_unit(user),
    }


def _may_review_emergency_access(user):
    key = f"menu:review_emergencyaccess:{user.pk}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = user.has_perm("people.review_emergencyaccess")
        cache.set(key, allowed, MENU_PERMISSION_SECONDS)
    return allowed
