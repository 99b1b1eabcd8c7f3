from accounts.navigation import ACCOUNT_MENU, menu_for, patient_of_page


def navigation(request):
    """The menu of the signed-in user's role, built in Python, not in templates."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "account_items": []}
    return {
        "nav_items": menu_for(user, request.path, patient=patient_of_page(request)),
        "account_items": menu_for(user, request.path, ACCOUNT_MENU),
    }
