def group_panel(request, grant):
    return None
