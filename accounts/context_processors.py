from people.access import citizen_of, is_staff_member


def account_kind(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"is_staff_member": is_staff_member(user), "own_citizen": citizen_of(user)}
